#include "secrets/token_source.h"

#include <system_error>
#include <utility>

#include <spdlog/spdlog.h>

#include "secrets/pem_file.h"

namespace groupwire {

bool constant_time_equal(std::string_view a, std::string_view b) {
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  for (std::size_t i = 0; i < b.size(); ++i) {
    const unsigned char x = i < a.size() ? static_cast<unsigned char>(a[i]) : 0;
    diff |= static_cast<unsigned char>(x ^ static_cast<unsigned char>(b[i]));
  }
  return diff == 0;
}

namespace {

std::optional<std::string> read_token(const std::string& path, std::string& error) {
  auto text = read_secret_file(path, error);
  if (!text) return std::nullopt;
  auto token = trimmed_token(std::move(*text));
  if (!token) error = path + " is empty";
  return token;
}

}  // namespace

TokenSource::TokenSource(std::string token) : token_(std::move(token)) {}

TokenSource::TokenSource(std::string token, std::string path, std::filesystem::file_time_type mtime)
    : path_(std::move(path)), token_(std::move(token)), mtime_(mtime) {}

std::unique_ptr<TokenSource> TokenSource::from_file(std::string path,
                                                    std::chrono::milliseconds poll,
                                                    std::string& error) {
  std::error_code ec;
  auto mtime = std::filesystem::last_write_time(path, ec);
  auto token = read_token(path, error);
  if (!token) return nullptr;
  std::unique_ptr<TokenSource> source(new TokenSource(std::move(*token), std::move(path), mtime));
  source->poller_ = std::thread([s = source.get(), poll] { s->poll_until_stopped(poll); });
  return source;
}

TokenSource::~TokenSource() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  stop_.notify_all();
  if (poller_.joinable()) poller_.join();
}

bool TokenSource::matches(std::string_view presented) const {
  std::lock_guard lock(mu_);
  return constant_time_equal(presented, token_);
}

std::string TokenSource::current() const {
  std::lock_guard lock(mu_);
  return token_;
}

void TokenSource::poll_until_stopped(std::chrono::milliseconds poll) {
  std::unique_lock lock(mu_);
  while (!stop_.wait_for(lock, poll, [this] { return stopping_; })) {
    lock.unlock();
    reload();
    lock.lock();
  }
}

void TokenSource::reload() {
  std::error_code ec;
  // last_write_time follows symbolic links: a Secret volume swaps the link its files go through.
  auto mtime = std::filesystem::last_write_time(path_, ec);
  {
    std::lock_guard lock(mu_);
    if (!ec && mtime == mtime_) return;
  }
  std::string error;
  auto token = read_token(path_, error);
  std::lock_guard lock(mu_);
  if (!token) {
    if (mtime_ != std::filesystem::file_time_type::min()) {
      spdlog::warn("token file: {}; keeping the last token", error);
    }
    // Warn once per change, not once per poll.
    mtime_ = std::filesystem::file_time_type::min();
    return;
  }
  if (*token != token_) spdlog::info("token file {}: token changed", path_);
  token_ = std::move(*token);
  mtime_ = mtime;
}

}  // namespace groupwire
