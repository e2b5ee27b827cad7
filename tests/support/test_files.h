// What configuration tests share: a directory of the running test's own for the files its flags
// name (removed after it), and a command line handed to a parser as main() would.
#pragma once

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "options.h"

namespace groupwire::test_support {

// A PEM block, enough for flags that only check that a file holds one.
inline constexpr char kPem[] = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";

class TestFiles {
 public:
  TestFiles()
      : dir_(std::filesystem::temp_directory_path() /
             ("groupwire-test-" + std::to_string(::getpid()) + "-" +
              ::testing::UnitTest::GetInstance()->current_test_info()->name())) {
    std::filesystem::create_directories(dir_);
  }
  ~TestFiles() { std::filesystem::remove_all(dir_); }
  TestFiles(const TestFiles&) = delete;
  TestFiles& operator=(const TestFiles&) = delete;

  // Where `name` is (or would be) in the directory.
  std::string path(const std::string& name) const { return (dir_ / name).string(); }

  // Writes `contents` to `name` in the directory; its path.
  std::string write(const std::string& name, const std::string& contents) const {
    auto written = path(name);
    std::ofstream(written) << contents;
    return written;
  }

 private:
  std::filesystem::path dir_;
};

// parse(argc, argv, environment) with argv[0] = `program`, then `args`.
template <class Parse>
auto parse_command_line(Parse parse, const char* program, std::vector<std::string> args,
                        std::map<std::string, std::string> env = {}) {
  args.insert(args.begin(), program);
  std::vector<const char*> argv;
  for (const auto& a : args) argv.push_back(a.c_str());
  return parse(static_cast<int>(argv.size()), argv.data(), fixed_environment(std::move(env)));
}

}  // namespace groupwire::test_support
