#include "security/watched_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <spdlog/spdlog.h>

namespace groupwire::security::detail {

std::optional<std::vector<FileStamp>> stat_files(const std::vector<std::string>& paths,
                                                 std::string& error) {
  std::vector<FileStamp> stamps;
  stamps.reserve(paths.size());
  for (const std::string& path : paths) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) {
      error = "cannot stat " + path + ": " + std::strerror(errno);
      return std::nullopt;
    }
    stamps.push_back(FileStamp{
        .mtime_ns =
            static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec,
        .size = static_cast<std::uint64_t>(st.st_size),
        .inode = static_cast<std::uint64_t>(st.st_ino),
        .device = static_cast<std::uint64_t>(st.st_dev),
    });
  }
  return stamps;
}

std::optional<std::vector<std::string>> read_files(const std::vector<std::string>& paths,
                                                   std::string& error) {
  std::vector<std::string> texts;
  texts.reserve(paths.size());
  for (const std::string& path : paths) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      error = "cannot open " + path + ": " + std::strerror(errno);
      return std::nullopt;
    }
    std::string text;
    char buffer[8192];
    ssize_t n = 0;
    while ((n = ::read(fd, buffer, sizeof buffer)) != 0) {
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        error = "cannot read " + path + ": " + std::strerror(errno);
        ::close(fd);
        return std::nullopt;
      }
      text.append(buffer, static_cast<std::size_t>(n));
    }
    ::close(fd);
    texts.push_back(std::move(text));
  }
  return texts;
}

std::string describe_paths(const std::vector<std::string>& paths) {
  std::string out;
  for (const std::string& path : paths) {
    if (!out.empty()) out += ", ";
    out += path;
  }
  return out;
}

void warn_reload_failed(const std::vector<std::string>& paths, const std::string& error) {
  spdlog::warn("reloading {} failed, keeping the previous contents: {}", describe_paths(paths),
               error);
}

}  // namespace groupwire::security::detail
