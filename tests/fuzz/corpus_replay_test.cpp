// SPDX-License-Identifier: MIT
// Replays the scenario fuzzer's corpus through its body in every build, so an input
// that once crashed stays fixed even where libFuzzer is not available.
#include <asim/props/interpreter.hpp>
#include <asim/props/program.hpp>
#include <asim/props/scenario.hpp>
#include <asim/sim/errors.hpp>
#include <asim/sim/sim_loop.hpp>

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

std::string read_bytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

/// What loading `text` ends in: "ok", or the message of its ScenarioFormatError.
template <class Load>
std::string outcome(Load load, const std::string& text) {
  try {
    (void)load(text);
  } catch (const asim::props::ScenarioFormatError& e) {
    return e.what();
  }
  return "ok";
}

/// The trace of `program` on a simulated loop under the fuzz target's limits.
std::string sim_trace(const asim::props::Program& program) {
  asim::props::Interpreter interpreter(program);
  asim::sim::SimOptions options;
  options.max_steps = 20000;
  options.max_virtual_time = 1000.0;
  std::string out;
  {
    asim::sim::SimLoop loop(1, options);
    try {
      interpreter.run(loop);
    } catch (const std::exception& e) {
      out = std::string("stopped: ") + e.what() + "\n";
    }
  }
  return asim::props::format_trace(interpreter.trace()) + out;
}

}  // namespace

// The one-pass compiler makes parse_scenario's messages itself (it reads a malformed
// file once): on every corpus input, and on every prefix-cut and byte-dropped variant of
// the small ones, it must end exactly as parse_scenario does.
TEST(ScenarioFuzzerCorpus, TheOnePassCompilerRejectsEveryInputAsParseScenarioDoes) {
  const auto tree = [](const std::string& text) { return asim::props::parse_scenario(text); };
  const auto pass = [](const std::string& text) { return asim::props::compile_scenario(text); };
  std::size_t compared = 0;
  for (const auto& path : corpus_files()) {
    const std::string bytes = read_bytes(path);
    if (bytes.size() > 64 * 1024) continue;  // the fuzz target's own bound
    std::vector<std::string> variants{bytes};
    if (bytes.size() <= 512) {
      for (std::size_t i = 0; i < bytes.size(); i += 7) {
        variants.push_back(bytes.substr(0, i) + bytes.substr(i + 1));
        variants.push_back(bytes.substr(0, i) + "null" + bytes.substr(i));
      }
    }
    for (const std::string& text : variants) {
      const std::string result = outcome(pass, text);
      ASSERT_EQ(result, outcome(tree, text)) << path << ": " << text;
      ++compared;
      if (result == "ok" && text == bytes) {
        // The same program: it runs to the same trace (slots and texts may be numbered
        // in another order, the tree compiler's order of fields is not the text's).
        EXPECT_EQ(sim_trace(pass(text)), sim_trace(asim::props::compile(tree(text)))) << path;
      }
    }
  }
  EXPECT_GT(compared, 1000U);
}

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
  const std::vector<std::string> inputs = {"",
                                           "{",
                                           "null",
                                           "[]",
                                           "{\"version\":1}",
                                           "{\"version\":1,\"main\":[{}]}",
                                           "{\"version\":1,\"main\":[{\"do\":\"sleep\",\"delay\":1e999}]}"};
  for (const std::string& input : inputs) {
    SCOPED_TRACE(input);
    EXPECT_EQ(LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(input.data()), input.size()), 0);
  }
}
