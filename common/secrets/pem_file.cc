#include "secrets/pem_file.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "options.h"

namespace groupwire {

std::optional<std::string> read_secret_file(const std::string& path, std::string& error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    error = fmt::format("cannot read {}: {}", path, std::strerror(errno));
    return std::nullopt;
  }
  std::ostringstream contents;
  contents << in.rdbuf();
  if (in.bad()) {
    error = fmt::format("cannot read {}", path);
    return std::nullopt;
  }
  return contents.str();
}

std::optional<std::string> read_pem_file(const std::string& path, std::string& error) {
  auto contents = read_secret_file(path, error);
  if (contents && contents->find("-----BEGIN ") == std::string::npos) {
    error = fmt::format("{} holds no PEM block (-----BEGIN ...)", path);
    return std::nullopt;
  }
  return contents;
}

std::optional<std::string> pem_file_flag(const boost::program_options::variables_map& vm,
                                         const char* flag) {
  if (!vm.count(flag)) return std::nullopt;
  std::string error;
  auto pem = read_pem_file(vm[flag].as<std::string>(), error);
  if (!pem) throw BadOption{flag, error};
  return pem;
}

std::optional<std::string> trimmed_token(std::string text) {
  constexpr const char* kSpace = " \t\r\n";
  auto last = text.find_last_not_of(kSpace);
  if (last == std::string::npos) return std::nullopt;
  text.erase(last + 1);
  text.erase(0, text.find_first_not_of(kSpace));
  return text;
}

}  // namespace groupwire
