#include "ledger/file_io.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>

namespace bankd::ledger {

std::string ErrnoMessage(const std::string& path) { return path + ": " + std::strerror(errno); }

void Fatal(const std::string& what) {
  std::fprintf(stderr, "bankd: fatal: %s; stopping so that the next start replays the ledger\n",
               what.c_str());
  std::fflush(stderr);
  std::abort();
}

bank::Status WriteAll(int fd, std::string_view data, const std::string& path) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return bank::Status::Internal("cannot write " + ErrnoMessage(path));
    data.remove_prefix(static_cast<size_t>(n));
  }
  return bank::Status::OK();
}

bank::Result<std::string> ReadAt(int fd, uint64_t offset, size_t size, const std::string& path) {
  std::string out(size, '\0');
  size_t done = 0;
  while (done < size) {
    ssize_t n = ::pread(fd, out.data() + done, size - done, static_cast<off_t>(offset + done));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return bank::Status::InputFile("cannot read " + ErrnoMessage(path));
    if (n == 0)
      return bank::Status::InputFile(path + ": ends before offset " + std::to_string(offset + size));
    done += static_cast<size_t>(n);
  }
  return out;
}

bank::Status SyncDirectory(const std::string& directory) {
  int fd = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return bank::Status::Internal("cannot open directory " + ErrnoMessage(directory));
  int rc = ::fsync(fd);
  bank::Status st =
      rc == 0 ? bank::Status::OK() : bank::Status::Internal("cannot fsync " + ErrnoMessage(directory));
  ::close(fd);
  return st;
}

namespace {

constexpr size_t kDirectAlignment = 4096;

// Writes the whole pages at the start of `data` with O_DIRECT, when `data`
// starts at a page boundary, and returns how many bytes it wrote (0 when
// it could not: unaligned data, or a file system without O_DIRECT). A big
// file such as a snapshot then goes to the disk from where it is instead
// of being copied into the page cache first (bench/RESULTS-write-path-rounds-4-5.md: the copy
// and its write-back were most of the kernel's share of bankd's CPU).
size_t WriteDirectPrefix(int fd, std::string_view data) {
  const size_t pages = data.size() / kDirectAlignment * kDirectAlignment;
  if (pages == 0 || reinterpret_cast<uintptr_t>(data.data()) % kDirectAlignment != 0) return 0;
  const int flags = ::fcntl(fd, F_GETFL);
  if (flags < 0 || ::fcntl(fd, F_SETFL, flags | O_DIRECT) != 0) return 0;
  size_t done = 0;
  while (done < pages) {
    ssize_t n = ::write(fd, data.data() + done, pages - done);
    if (n < 0 && errno == EINTR) continue;
    // Refused (EINVAL: the file system wants a bigger alignment) or
    // failed: the rest goes through the page cache, which reports a real
    // failure again.
    if (n <= 0) break;
    done += static_cast<size_t>(n);
  }
  ::fcntl(fd, F_SETFL, flags);
  return done;
}

}  // namespace

bank::Status CreateFileDurably(const std::string& directory, const std::string& name, std::string_view data,
                               int mode) {
  std::string path = directory + "/" + name;
  std::string tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) return bank::Status::Internal("cannot create " + ErrnoMessage(tmp));
  bank::Status st = WriteAll(fd, data.substr(WriteDirectPrefix(fd, data)), tmp);
  if (st.ok() && ::fsync(fd) != 0) st = bank::Status::Internal("cannot fsync " + ErrnoMessage(tmp));
  ::close(fd);
  // link() rather than rename(): it refuses to replace an existing file.
  if (st.ok() && ::link(tmp.c_str(), path.c_str()) != 0)
    st = bank::Status::Exists("cannot create " + ErrnoMessage(path));
  ::unlink(tmp.c_str());
  if (st.ok()) st = SyncDirectory(directory);
  return st;
}

bank::Status EnsureDirectory(const std::string& directory) {
  std::error_code ec;
  std::filesystem::create_directories(directory, ec);
  if (ec) return bank::Status::InputFile("cannot create ledger directory " + directory + ": " + ec.message());
  if (!std::filesystem::is_directory(directory, ec))
    return bank::Status::InputFile(directory + ": not a directory");
  return bank::Status::OK();
}

}  // namespace bankd::ledger
