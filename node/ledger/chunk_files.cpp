#include "ledger/chunk_files.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <optional>

#include "bank/ledger_files.hpp"
#include "ledger/file_io.hpp"

namespace bankd::ledger {

namespace bl = bank::ledger;

namespace {
std::atomic<int> g_sync_failure{0};
}  // namespace

void InjectSyncFailureForTesting(int error) { g_sync_failure.store(error); }

ChunkWriter::~ChunkWriter() {
  if (fd_ >= 0) ::close(fd_);
}

bank::Status ChunkWriter::Reopen(uint64_t first_seqno) {
  std::string path = directory_ + "/" + bl::OpenChunkName(first_seqno);
  int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
  if (fd < 0) return bank::Status::Internal("cannot open " + ErrnoMessage(path));
  if (fd_ >= 0) ::close(fd_);
  fd_ = fd;
  first_ = first_seqno;
  path_ = path;
  // A run killed between creating the chunk and writing its header leaves
  // fewer than 8 bytes (replay accepts only zeros there): write the header
  // again, or the entries appended next would start at offset 0.
  struct stat st {};
  if (::fstat(fd_, &st) != 0) return bank::Status::Internal("cannot stat " + ErrnoMessage(path_));
  if (st.st_size < static_cast<off_t>(bl::kChunkHeaderSize)) {
    if (::ftruncate(fd_, 0) != 0) return bank::Status::Internal("cannot truncate " + ErrnoMessage(path_));
    BANK_RETURN_IF_ERROR(WriteAll(fd_, std::string(bl::kChunkHeaderSize, '\0'), path_));
  }
  // The previous run may have died between a write and its fsync: make
  // what is there durable before anyone is told it is committed.
  dirty_ = true;
  BANK_RETURN_IF_ERROR(Sync());
  return SyncDirectory(directory_);
}

bank::Status ChunkWriter::Append(uint64_t first_seqno, std::string_view entries) {
  if (fd_ < 0 || first_seqno != first_) {
    if (fd_ >= 0) return bank::Status::Internal("a new chunk was started before " + path_ + " was closed");
    std::string path = directory_ + "/" + bl::OpenChunkName(first_seqno);
    int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0) return bank::Status::Internal("cannot create " + ErrnoMessage(path));
    fd_ = fd;
    first_ = first_seqno;
    path_ = path;
    BANK_RETURN_IF_ERROR(WriteAll(fd_, std::string(bl::kChunkHeaderSize, '\0'), path_));
    BANK_RETURN_IF_ERROR(SyncDirectory(directory_));
  }
  dirty_ = true;
  return WriteAll(fd_, entries, path_);
}

bank::Status ChunkWriter::Close(uint64_t last_seqno, const std::vector<uint32_t>& positions) {
  if (fd_ < 0) return bank::Status::Internal("no open chunk to close");
  off_t table_offset = ::lseek(fd_, 0, SEEK_END);
  if (table_offset < 0) return bank::Status::Internal("cannot seek " + ErrnoMessage(path_));
  BANK_RETURN_IF_ERROR(WriteAll(fd_, bl::ChunkTrailer(positions), path_));
  dirty_ = true;
  BANK_RETURN_IF_ERROR(Sync());
  std::string header;
  for (int i = 0; i < 8; ++i)
    header.push_back(static_cast<char>((static_cast<uint64_t>(table_offset) >> (8 * i)) & 0xff));
  // O_APPEND ignores pwrite's offset on Linux: write the header through a
  // second descriptor.
  int fd = ::open(path_.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return bank::Status::Internal("cannot open " + ErrnoMessage(path_));
  bool ok = ::pwrite(fd, header.data(), header.size(), 0) == static_cast<ssize_t>(header.size()) &&
            ::fdatasync(fd) == 0;
  int saved = errno;
  ::close(fd);
  errno = saved;
  if (!ok) return bank::Status::Internal("cannot write the header of " + ErrnoMessage(path_));
  std::string committed = directory_ + "/" + bl::CommittedChunkName(first_, last_seqno);
  if (::rename(path_.c_str(), committed.c_str()) != 0)
    return bank::Status::Internal("cannot rename " + ErrnoMessage(path_));
  ::close(fd_);
  fd_ = -1;
  dirty_ = false;
  return SyncDirectory(directory_);
}

bank::Status ChunkWriter::Sync() {
  if (fd_ < 0 || !dirty_) return bank::Status::OK();
  const int injected = g_sync_failure.load();
  if (injected != 0) errno = injected;
  if (injected != 0 || ::fdatasync(fd_) != 0)
    return bank::Status::Internal("cannot fdatasync " + ErrnoMessage(path_));
  dirty_ = false;
  return bank::Status::OK();
}

bank::Result<std::string> ReadChunkBytes(const std::string& directory, uint64_t first_seqno,
                                         std::optional<uint64_t> last_seqno, uint64_t offset, uint32_t size) {
  std::vector<std::string> names;
  if (last_seqno) names.push_back(bl::CommittedChunkName(first_seqno, *last_seqno));
  names.push_back(bl::OpenChunkName(first_seqno));
  if (last_seqno) names.push_back(names.front());  // renamed meanwhile
  for (const auto& name : names) {
    std::string path = directory + "/" + name;
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      if (errno == ENOENT) continue;
      return bank::Status::InputFile("cannot open " + ErrnoMessage(path));
    }
    auto bytes = ReadAt(fd, offset, size, path);
    ::close(fd);
    return bytes;
  }
  return bank::Status::InputFile("no chunk file for seqno " + std::to_string(first_seqno) + " in " +
                                 directory);
}

}  // namespace bankd::ledger
