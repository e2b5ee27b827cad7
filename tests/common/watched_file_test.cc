// Files parsed again when they change: reloads, failed reloads that keep the old value, files
// read together, and the poller that drives them.
#include "security/watched_file.h"

#include <stdlib.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <mutex>

#include <gtest/gtest.h>
#include <spdlog/sinks/base_sink.h>
#include <spdlog/spdlog.h>
#include <boost/asio/io_context.hpp>

#include "security/file_watcher.h"

namespace groupwire::security {
namespace {

namespace fs = std::filesystem;

// A value made of "key=value" lines; any other line is a parse error that does not quote it.
using Pairs = std::vector<std::pair<std::string, std::string>>;
std::optional<Pairs> parse_pairs(const std::string& text, std::string& error) {
  Pairs pairs;
  std::size_t start = 0;
  int line = 0;
  while (start < text.size()) {
    ++line;
    std::size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    std::string row = text.substr(start, end - start);
    start = end + 1;
    std::size_t eq = row.find('=');
    if (eq == std::string::npos) {
      error = "line " + std::to_string(line) + " has no '='";
      return std::nullopt;
    }
    pairs.emplace_back(row.substr(0, eq), row.substr(eq + 1));
  }
  return pairs;
}

// Captures warnings sent to the default logger while the test runs.
class CapturedLog : public spdlog::sinks::base_sink<std::mutex> {
 public:
  std::vector<std::string> lines;

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    lines.emplace_back(msg.payload.data(), msg.payload.size());
  }
  void flush_() override {}
};

class WatchedFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "watched_file_test.XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    log_ = std::make_shared<CapturedLog>();
    previous_logger_ = spdlog::default_logger();
    spdlog::set_default_logger(std::make_shared<spdlog::logger>("test", log_));
  }
  void TearDown() override {
    spdlog::set_default_logger(previous_logger_);
    fs::remove_all(dir_);
  }

  std::string path(const std::string& name) const { return (dir_ / name).string(); }

  // Writes and moves the modification time forward by a second, so that a rewrite within the
  // file system's timestamp granularity is still seen without sleeping.
  void write(const std::string& name, const std::string& text) {
    std::string p = path(name);
    bool existed = fs::exists(p);
    auto before = existed ? fs::last_write_time(p) : fs::file_time_type{};
    std::ofstream(p, std::ios::binary | std::ios::trunc) << text;
    if (existed) fs::last_write_time(p, before + std::chrono::seconds(1));
  }

  std::shared_ptr<WatchedFile<Pairs>> open(const std::string& name) {
    std::string error;
    auto file = WatchedFile<Pairs>::open(path(name), parse_pairs, error);
    EXPECT_TRUE(file) << error;
    return file;
  }

  fs::path dir_;
  std::shared_ptr<CapturedLog> log_;
  std::shared_ptr<spdlog::logger> previous_logger_;
};

TEST_F(WatchedFileTest, LoadsAtOnce) {
  write("users", "alice=1\nbob=2");
  auto file = open("users");
  ASSERT_TRUE(file);
  EXPECT_EQ(*file->current(), (Pairs{{"alice", "1"}, {"bob", "2"}}));
  EXPECT_EQ(file->path(), path("users"));
}

TEST_F(WatchedFileTest, OpenFailsOnMissingOrUnparsableFile) {
  std::string error;
  EXPECT_FALSE(WatchedFile<Pairs>::open(path("missing"), parse_pairs, error));
  EXPECT_NE(error.find(path("missing")), std::string::npos) << error;

  write("bad", "alice=1\nsecret-password");
  error.clear();
  EXPECT_FALSE(WatchedFile<Pairs>::open(path("bad"), parse_pairs, error));
  EXPECT_EQ(error, path("bad") + ": line 2 has no '='");
}

TEST_F(WatchedFileTest, ReloadsOnlyWhenChanged) {
  write("users", "alice=1");
  auto file = open("users");
  ASSERT_TRUE(file);
  auto first = file->current();
  EXPECT_FALSE(file->reload_if_changed());
  EXPECT_EQ(file->current(), first);

  write("users", "alice=2");  // same size: only the modification time tells
  EXPECT_TRUE(file->reload_if_changed());
  EXPECT_EQ(*file->current(), (Pairs{{"alice", "2"}}));
  EXPECT_EQ(*first, (Pairs{{"alice", "1"}}));  // holders of the old value keep it
  EXPECT_FALSE(file->reload_if_changed());
}

TEST_F(WatchedFileTest, ReplacedFileIsSeenByItsInode) {
  write("users", "alice=1");
  auto file = open("users");
  ASSERT_TRUE(file);
  auto mtime = fs::last_write_time(path("users"));
  write("users.new", "alice=2");
  fs::last_write_time(path("users.new"), mtime);
  fs::rename(path("users.new"), path("users"));
  EXPECT_TRUE(file->reload_if_changed());
  EXPECT_EQ(*file->current(), (Pairs{{"alice", "2"}}));
}

TEST_F(WatchedFileTest, FailedReloadKeepsTheOldValueAndWarnsOnceWithoutTheContent) {
  write("users", "alice=1");
  auto file = open("users");
  ASSERT_TRUE(file);

  write("users", "alice=1\nsecret-password");
  EXPECT_FALSE(file->reload_if_changed());
  EXPECT_FALSE(file->reload_if_changed());
  EXPECT_EQ(*file->current(), (Pairs{{"alice", "1"}}));
  ASSERT_EQ(log_->lines.size(), 1u);
  EXPECT_NE(log_->lines[0].find(path("users")), std::string::npos) << log_->lines[0];
  EXPECT_EQ(log_->lines[0].find("secret-password"), std::string::npos) << log_->lines[0];

  write("users", "alice=3");
  EXPECT_TRUE(file->reload_if_changed());
  EXPECT_EQ(*file->current(), (Pairs{{"alice", "3"}}));
}

TEST_F(WatchedFileTest, DeletedFileKeepsTheOldValueUntilItComesBack) {
  write("users", "alice=1");
  auto file = open("users");
  ASSERT_TRUE(file);
  fs::remove(path("users"));
  EXPECT_FALSE(file->reload_if_changed());
  EXPECT_EQ(*file->current(), (Pairs{{"alice", "1"}}));
  EXPECT_EQ(log_->lines.size(), 1u);
  write("users", "alice=2");
  EXPECT_TRUE(file->reload_if_changed());
  EXPECT_EQ(*file->current(), (Pairs{{"alice", "2"}}));
}

TEST_F(WatchedFileTest, FailedParseIsTriedAgainOnTheNextCall) {
  // A file caught half written parses on a later poll even when its stamp did not change again.
  write("users", "alice=1");
  int failures_left = 0;
  std::string error;
  auto file = WatchedFile<Pairs>::open(
      path("users"),
      [&](const std::string& text, std::string& parse_error) -> std::optional<Pairs> {
        if (failures_left > 0) {
          --failures_left;
          parse_error = "truncated";
          return std::nullopt;
        }
        return parse_pairs(text, parse_error);
      },
      error);
  ASSERT_TRUE(file) << error;
  write("users", "alice=2");
  failures_left = 1;
  EXPECT_FALSE(file->reload_if_changed());
  EXPECT_EQ(*file->current(), (Pairs{{"alice", "1"}}));
  EXPECT_TRUE(file->reload_if_changed());
  EXPECT_EQ(*file->current(), (Pairs{{"alice", "2"}}));
}

// A certificate and its key: each names the generation it belongs to; a mixed pair is an error.
struct Pair {
  std::string cert;
  std::string key;
};
std::optional<Pair> parse_pair(const std::vector<std::string>& texts, std::string& error) {
  if (texts[0] != texts[1]) {
    error = "key does not match certificate";
    return std::nullopt;
  }
  return Pair{texts[0], texts[1]};
}

TEST_F(WatchedFileTest, FilesReadTogetherChangeTogether) {
  write("cert.pem", "gen1");
  write("key.pem", "gen1");
  std::string error;
  auto file = WatchedFile<Pair>::open_all({path("cert.pem"), path("key.pem")}, parse_pair, error);
  ASSERT_TRUE(file) << error;
  EXPECT_EQ(file->paths(), (std::vector<std::string>{path("cert.pem"), path("key.pem")}));
  EXPECT_EQ(file->current()->cert, "gen1");

  write("cert.pem", "gen2");
  EXPECT_FALSE(file->reload_if_changed());
  EXPECT_EQ(file->current()->cert, "gen1");
  EXPECT_EQ(file->current()->key, "gen1");
  ASSERT_EQ(log_->lines.size(), 1u);
  EXPECT_NE(log_->lines[0].find(path("cert.pem") + ", " + path("key.pem")), std::string::npos)
      << log_->lines[0];

  write("key.pem", "gen2");
  EXPECT_TRUE(file->reload_if_changed());
  EXPECT_EQ(file->current()->cert, "gen2");
  EXPECT_EQ(file->current()->key, "gen2");
}

TEST_F(WatchedFileTest, OpenAllNeedsAPath) {
  std::string error;
  EXPECT_FALSE(WatchedFile<Pair>::open_all({}, parse_pair, error));
  EXPECT_FALSE(error.empty());
}

TEST_F(WatchedFileTest, WatcherPollsOnItsExecutor) {
  write("users", "alice=1");
  auto file = open("users");
  ASSERT_TRUE(file);
  boost::asio::io_context io;
  FileWatcher watcher(io.get_executor(), std::chrono::milliseconds(1));
  int polls = 0;
  watcher.add([&] {
    ++polls;
    file->reload_if_changed();
  });
  watcher.start();
  write("users", "alice=2");
  while (polls < 3) ASSERT_EQ(io.run_one(), 1u);
  EXPECT_EQ(*file->current(), (Pairs{{"alice", "2"}}));
}

TEST_F(WatchedFileTest, ReloadAllRunsEveryReloadAtOnce) {
  boost::asio::io_context io;
  FileWatcher watcher(io.get_executor(), std::chrono::hours(1));
  int a = 0;
  int b = 0;
  watcher.add([&] { ++a; });
  watcher.add([&] { ++b; });
  watcher.start();
  watcher.reload_all();
  EXPECT_EQ(a, 1);
  EXPECT_EQ(b, 1);
}

TEST_F(WatchedFileTest, DestroyedWatcherStopsPolling) {
  boost::asio::io_context io;
  int polls = 0;
  {
    FileWatcher watcher(io.get_executor(), std::chrono::milliseconds(1));
    watcher.add([&] { ++polls; });
    watcher.start();
    ASSERT_EQ(io.run_one(), 1u);
  }
  EXPECT_EQ(polls, 1);
  // With the watcher gone nothing is left to run, so run returns without waiting.
  io.run_for(std::chrono::seconds(5));
  EXPECT_TRUE(io.stopped());
  EXPECT_EQ(polls, 1);
}

}  // namespace
}  // namespace groupwire::security
