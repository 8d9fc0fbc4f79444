#include "ledger/chunk_files.hpp"

#include <fcntl.h>
#include <unistd.h>

#include "ledger/file_io.hpp"

namespace bankd::ledger {

namespace bl = bank::ledger;

ChunkWriter::~ChunkWriter() {
  if (fd_ >= 0) ::close(fd_);
}

bank::Status ChunkWriter::Reopen(uint32_t index, const std::string& path) {
  int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
  if (fd < 0) return bank::Status::Internal("cannot open " + ErrnoMessage(path));
  if (fd_ >= 0) ::close(fd_);
  fd_ = fd;
  index_ = index;
  path_ = path;
  // What the previous run wrote may still be only in the page cache (it may
  // have died between a write and its fsync): make it durable before anyone
  // is told it is committed.
  dirty_ = true;
  BANK_RETURN_IF_ERROR(Sync());
  return SyncDirectory(directory_);
}

bank::Status ChunkWriter::Append(uint32_t index, uint64_t first_seqno, std::string_view records) {
  if (fd_ < 0 || index != index_) {
    // The previous chunk is complete: make it durable before the next one
    // exists, so that only the last file can ever end in a torn record.
    BANK_RETURN_IF_ERROR(Sync());
    std::string path = directory_ + "/" + bl::ChunkFileName(first_seqno);
    int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0) return bank::Status::Internal("cannot create " + ErrnoMessage(path));
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
    index_ = index;
    path_ = path;
    BANK_RETURN_IF_ERROR(SyncDirectory(directory_));
  }
  dirty_ = true;
  return WriteAll(fd_, records, path_);
}

bank::Status ChunkWriter::Sync() {
  if (fd_ < 0 || !dirty_) return bank::Status::OK();
  if (::fdatasync(fd_) != 0) return bank::Status::Internal("cannot fdatasync " + ErrnoMessage(path_));
  dirty_ = false;
  return bank::Status::OK();
}

bank::Result<bl::DecodedEntry> ReadEntryAt(const std::string& path, uint64_t offset, uint32_t size) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return bank::Status::InputFile("cannot open " + ErrnoMessage(path));
  auto bytes = ReadAt(fd, offset, size, path);
  ::close(fd);
  if (!bytes.ok()) return bytes.status();
  bl::Frame frame = bl::ParseRecord(*bytes, 0);
  if (frame.status != bl::FrameStatus::kRecord || frame.size != size)
    return bank::Status::InputFile(bl::AtOffset(path, offset, frame.problem.empty() ? "not a whole record" : frame.problem));
  auto decoded = bl::DecodeEntry(frame.payload);
  if (!decoded.ok()) return bank::Status::InputFile(bl::AtOffset(path, offset, decoded.status().message()));
  return decoded;
}

}  // namespace bankd::ledger
