// A bearer token that callers must present (the coordinator's admin token) or that a client
// presents: given as itself (an environment variable) or as a file that is re-read when it
// changes, so a rotated secret (a Kubernetes Secret volume) takes effect without a restart.
#pragma once

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

namespace groupwire {

// Whether a equals b, in a time that depends only on b's length (the expected token's), not on
// where they first differ.
bool constant_time_equal(std::string_view a, std::string_view b);

class TokenSource {
 public:
  // A token that never changes.
  explicit TokenSource(std::string token);
  // The token in `path` (surrounding whitespace removed), checked for changes every `poll`. The
  // first read must succeed; later a file that cannot be read or is empty keeps the last token
  // (with a warning in the log). Nullptr and why not otherwise.
  static std::unique_ptr<TokenSource> from_file(std::string path, std::chrono::milliseconds poll,
                                                std::string& error);
  ~TokenSource();
  TokenSource(const TokenSource&) = delete;
  TokenSource& operator=(const TokenSource&) = delete;

  bool matches(std::string_view presented) const;
  std::string current() const;

 private:
  TokenSource(std::string token, std::string path, std::filesystem::file_time_type mtime);
  void poll_until_stopped(std::chrono::milliseconds poll);
  void reload();

  const std::string path_;  // empty: fixed
  mutable std::mutex mu_;
  std::string token_;
  std::filesystem::file_time_type mtime_;
  bool stopping_ = false;
  std::condition_variable stop_;
  std::thread poller_;
};

}  // namespace groupwire
