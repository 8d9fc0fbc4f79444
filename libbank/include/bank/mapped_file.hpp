// A whole file as read-only memory: mapped, not read.
//
// For files of hundreds of megabytes that are read once, front to back (a
// snapshot at start-up): reading one into a string costs an allocation,
// zeroing every page and a copy, about a fifth of a second per half
// gigabyte; mapping it costs the page-table entries. The mapping stays
// valid after the file is renamed or removed. Truncating the file while it
// is mapped makes a later read of the cut part fault (SIGBUS): map only
// files that nobody truncates, as a committed snapshot is.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "bank/status.hpp"

namespace bank {

class MappedFile {
 public:
  // Errors as ReadFile's (bank/key.hpp): no such file, a directory, empty.
  static Result<MappedFile> Open(const std::string& path);

  MappedFile(MappedFile&& other) noexcept;
  MappedFile& operator=(MappedFile&& other) noexcept;
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;
  ~MappedFile();

  std::string_view bytes() const { return {static_cast<const char*>(data_), size_}; }

 private:
  MappedFile(void* data, size_t size) : data_(data), size_(size) {}

  void* data_ = nullptr;
  size_t size_ = 0;
};

}  // namespace bank
