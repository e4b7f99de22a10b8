// SPDX-License-Identifier: MIT
// Replays the scenario fuzzer's corpus through its body in every build, so an input
// that once crashed stays fixed even where libFuzzer is not available.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace {

std::vector<std::filesystem::path> corpus_files() {
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(ASIM_FUZZ_CORPUS_DIR)) {
    if (entry.is_regular_file()) files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace

TEST(ScenarioFuzzerCorpus, EveryCorpusFileRunsThroughTheFuzzTargetWithoutCrashing) {
  const std::vector<std::filesystem::path> files = corpus_files();
  ASSERT_GE(files.size(), 10U) << "corpus missing in " << ASIM_FUZZ_CORPUS_DIR;
  for (const auto& path : files) {
    SCOPED_TRACE(path.string());
    std::ifstream in(path, std::ios::binary);
    ASSERT_TRUE(in) << "cannot read " << path;
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_EQ(LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()), 0);
  }
}

TEST(ScenarioFuzzerCorpus, MalformedInputsAreRejectedWithoutCrashing) {
  const std::vector<std::string> inputs = {"", "{", "null", "[]", "{\"version\":1}", "{\"version\":1,\"main\":[{}]}",
                                           "{\"version\":1,\"main\":[{\"do\":\"sleep\",\"delay\":1e999}]}"};
  for (const std::string& input : inputs) {
    SCOPED_TRACE(input);
    EXPECT_EQ(LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(input.data()), input.size()), 0);
  }
}
