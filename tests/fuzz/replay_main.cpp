// Runs a fuzz target over every file of the given directories (or files), so
// that a normal build exercises each target on its seed corpus. With
// -DBANK_FUZZ=ON the real libFuzzer driver replaces this file.
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

int main(int argc, char** argv) {
  namespace fs = std::filesystem;
  size_t runs = 0;
  auto run = [&](const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
    ++runs;
  };
  for (int i = 1; i < argc; ++i) {
    fs::path arg(argv[i]);
    if (fs::is_directory(arg)) {
      for (const auto& e : fs::recursive_directory_iterator(arg))
        if (e.is_regular_file()) run(e.path());
    } else if (fs::exists(arg)) {
      run(arg);
    }
  }
  // Also the empty input and a few degenerate ones, which no corpus forgets.
  const uint8_t degenerate[] = {0x00, 0xff, 0xa0, 0x7b, 0x22};
  for (size_t n = 0; n <= sizeof(degenerate); ++n) LLVMFuzzerTestOneInput(degenerate, n), ++runs;
  std::printf("replayed %zu inputs\n", runs);
  return runs > sizeof(degenerate) + 1 ? 0 : 1;  // fail when the corpus is missing
}
