// A fresh directory under $TMPDIR, removed with everything in it on scope exit.
#pragma once

#include <filesystem>
#include <string>

namespace bank::test {

class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::string operator/(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

// Path of a file under ../shared/vectors.
std::string VectorPath(const std::string& relative);

}  // namespace bank::test
