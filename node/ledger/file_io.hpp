// The few POSIX file operations the ledger needs, with errors that name the
// file: durable appends and creations are spelled out here once.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "bank/status.hpp"

namespace bankd::ledger {

// Writes all of `data` at the file's current position (retrying short
// writes and EINTR).
bank::Status WriteAll(int fd, std::string_view data, const std::string& path);
// Reads exactly `size` bytes at `offset`.
bank::Result<std::string> ReadAt(int fd, uint64_t offset, size_t size, const std::string& path);
// fsync of a directory, which makes the files created in it durable.
bank::Status SyncDirectory(const std::string& directory);
// Creates `path` with `data` durably and atomically (temporary file, fsync,
// rename, directory fsync) with the given permission bits; fails when it
// already exists. When `data` starts at a page boundary (a snapshot,
// ledger/serialiser.hpp), its whole pages are written with O_DIRECT.
bank::Status CreateFileDurably(const std::string& directory, const std::string& name, std::string_view data,
                               int mode);
// Makes the directory (and its parents) if missing.
bank::Status EnsureDirectory(const std::string& directory);
// "<path>: <strerror(errno)>".
std::string ErrnoMessage(const std::string& path);

// Ends the process on a failure that is a bug or out of memory (a
// transaction that cannot be serialised, a key that cannot sign). I/O
// failures of the ledger do not come here: the group commit stops and the
// engine rolls back to the durable point (ledger/engine.hpp).
[[noreturn]] void Fatal(const std::string& what);

}  // namespace bankd::ledger
