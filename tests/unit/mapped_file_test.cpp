// MappedFile: the bytes of the file, ReadFile's errors, and a mapping that
// outlives the file's name and its move.
#include "bank/mapped_file.hpp"

#include <catch2/catch.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "bank/key.hpp"
#include "support/temp_dir.hpp"

using namespace bank;
using bank::test::TempDir;

namespace {

void Write(const std::string& path, const std::string& data) {
  std::ofstream out(path, std::ios::binary);
  out << data;
}

}  // namespace

TEST_CASE("a mapped file holds what ReadFile reads, also after its name is gone", "[mapped_file]") {
  TempDir dir;
  std::string data(3 * 4096 + 17, '\0');
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>(i * 131 % 251);
  Write(dir / "f", data);
  auto mapped = MappedFile::Open(dir / "f");
  REQUIRE(mapped.ok());
  CHECK(mapped->bytes() == *ReadFile(dir / "f"));
  std::filesystem::remove(dir / "f");
  MappedFile moved = std::move(*mapped);
  CHECK(moved.bytes() == data);
  CHECK(mapped->bytes().empty());
}

TEST_CASE("mapping a missing, empty or directory path fails as ReadFile does", "[mapped_file]") {
  TempDir dir;
  Write(dir / "empty", "");
  for (const std::string& path : {dir / "missing", dir / "empty", dir.path().string()}) {
    auto mapped = MappedFile::Open(path);
    auto read = ReadFile(path);
    REQUIRE_FALSE(mapped.ok());
    REQUIRE_FALSE(read.ok());
    CHECK(mapped.status().code() == read.status().code());
    CHECK(mapped.status().message() == read.status().message());
  }
}
