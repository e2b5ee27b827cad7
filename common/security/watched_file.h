// A value parsed from one file, or from several read together (a TLS certificate and its key),
// that is parsed again when the files change: the SASL users file, the ACL file, TLS files.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace groupwire::security {

// What tells a changed file from the one last read: its modification time, size and inode
// (stat follows symbolic links, so a Kubernetes secret whose link is swapped counts as changed).
struct FileStamp {
  std::int64_t mtime_ns = 0;
  std::uint64_t size = 0;
  std::uint64_t inode = 0;
  std::uint64_t device = 0;

  bool operator==(const FileStamp&) const = default;
};

namespace detail {

// Stamps of every path; nullopt and error naming the path when one cannot be stat'ed.
std::optional<std::vector<FileStamp>> stat_files(const std::vector<std::string>& paths,
                                                 std::string& error);
// Texts of every path; nullopt and error naming the path when one cannot be read.
std::optional<std::vector<std::string>> read_files(const std::vector<std::string>& paths,
                                                   std::string& error);
// "a, b": the paths as errors and warnings name them.
std::string describe_paths(const std::vector<std::string>& paths);
void warn_reload_failed(const std::vector<std::string>& paths, const std::string& error);

}  // namespace detail

// The parse function's error is logged as it is: a parser of secrets must not put them in it.
template <class T>
class WatchedFile {
 public:
  using Parse = std::function<std::optional<T>(const std::string& text, std::string& error)>;
  using ParseAll =
      std::function<std::optional<T>(const std::vector<std::string>& texts, std::string& error)>;

  // Loads at once; nullptr and error when the file cannot be read or parsed.
  static std::shared_ptr<WatchedFile> open(std::string path, Parse parse, std::string& error) {
    std::vector<std::string> paths{std::move(path)};
    return open_all(
        std::move(paths),
        [parse = std::move(parse)](const std::vector<std::string>& texts,
                                   std::string& parse_error) {
          return parse(texts.front(), parse_error);
        },
        error);
  }

  // Files read and parsed together, texts in the order of paths, so that a pair such as a
  // certificate and its key changes at once or not at all.
  static std::shared_ptr<WatchedFile> open_all(std::vector<std::string> paths, ParseAll parse,
                                               std::string& error) {
    if (paths.empty()) {
      error = "no file to watch";
      return nullptr;
    }
    std::shared_ptr<WatchedFile> file(new WatchedFile(std::move(paths), std::move(parse)));
    if (!file->load(error)) return nullptr;
    return file;
  }

  std::shared_ptr<const T> current() const {
    std::lock_guard lock(value_mutex_);
    return value_;
  }

  // Reads and parses again when any file's stamp changed; true when a new value replaced the
  // old one. A file that cannot be read or parsed (half written, say) keeps the previous value,
  // is logged once, and is tried again on the next call.
  bool reload_if_changed() {
    std::lock_guard lock(reload_mutex_);
    std::string error;
    auto stamps = detail::stat_files(paths_, error);
    if (stamps && *stamps == stamps_) return false;
    if (stamps && load_texts(*stamps, error)) return true;
    // No stamps (an unreadable file) is a failure of its own, told from "no failure" by optional.
    auto failure = stamps.value_or(std::vector<FileStamp>{});
    if (failure != failed_stamps_) detail::warn_reload_failed(paths_, error);
    failed_stamps_ = std::move(failure);
    return false;
  }

  const std::string& path() const { return paths_.front(); }
  const std::vector<std::string>& paths() const { return paths_; }

 private:
  WatchedFile(std::vector<std::string> paths, ParseAll parse)
      : paths_(std::move(paths)), parse_(std::move(parse)) {}

  bool load(std::string& error) {
    std::lock_guard lock(reload_mutex_);
    auto stamps = detail::stat_files(paths_, error);
    return stamps && load_texts(*stamps, error);
  }

  // Stamps are taken before reading, so the text read is never older than its stamp and a
  // write after the stamp shows as a change on the next call.
  bool load_texts(const std::vector<FileStamp>& stamps, std::string& error) {
    auto texts = detail::read_files(paths_, error);
    if (!texts) return false;
    std::string parse_error;
    std::optional<T> value = parse_(*texts, parse_error);
    if (!value) {
      error = detail::describe_paths(paths_) + ": " + parse_error;
      return false;
    }
    auto shared = std::make_shared<const T>(std::move(*value));
    {
      std::lock_guard lock(value_mutex_);
      value_ = std::move(shared);
    }
    stamps_ = stamps;
    failed_stamps_.reset();
    return true;
  }

  const std::vector<std::string> paths_;
  const ParseAll parse_;
  std::mutex reload_mutex_;  // one reload at a time; guards the stamps
  std::vector<FileStamp> stamps_;
  std::optional<std::vector<FileStamp>> failed_stamps_;  // of the last failure, logged once
  mutable std::mutex value_mutex_;
  std::shared_ptr<const T> value_;
};

}  // namespace groupwire::security
