#include "cli/users.h"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>

#include "security/sasl_credentials.h"

namespace groupwire::cli {

namespace {

using security::SaslCredentials;
using Kind = UsersOutcome::Kind;

UsersOutcome usage(std::string message) {
  return {Kind::kUsage, std::move(message)};
}
UsersOutcome failure(std::string message) {
  return {Kind::kFailed, std::move(message)};
}

std::string system_error(const std::string& what) {
  return what + ": " + std::strerror(errno);
}

// The file's credentials; an absent file holds none when `absent_is_empty`.
std::optional<SaslCredentials> load(const std::string& file, bool absent_is_empty,
                                    std::string& error) {
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    if (errno == ENOENT && absent_is_empty) return SaslCredentials();
    error = system_error(file);
    return std::nullopt;
  }
  std::ostringstream text;
  text << in.rdbuf();
  std::string problem;
  auto credentials = SaslCredentials::parse(text.str(), problem);
  if (!credentials) error = file + ": " + problem;
  return credentials;
}

// Readers of the file (a gateway reloading it) see the old or the new content, never a part.
bool save(const std::string& file, const SaslCredentials& credentials, std::string& error) {
  auto dir = std::filesystem::path(file).parent_path();
  auto temp = (dir / ("." + std::filesystem::path(file).filename().string() + ".XXXXXX")).string();
  int fd = mkstemp(temp.data());  // mode 0600
  if (fd < 0) {
    error = system_error("cannot create a temporary file next to " + file);
    return false;
  }
  auto text = credentials.serialize();
  std::string_view rest = text;
  bool ok = true;
  while (ok && !rest.empty()) {
    auto n = ::write(fd, rest.data(), rest.size());
    ok = n > 0 || (n < 0 && errno == EINTR);
    if (n > 0) rest.remove_prefix(static_cast<std::size_t>(n));
  }
  ok = ok && ::fsync(fd) == 0;
  if (!ok) error = system_error("cannot write " + temp);
  if (::close(fd) != 0 && ok) {
    error = system_error("cannot write " + temp);
    ok = false;
  }
  if (ok && std::rename(temp.c_str(), file.c_str()) != 0) {
    error = system_error("cannot replace " + file);
    ok = false;
  }
  if (!ok) ::unlink(temp.c_str());
  return ok;
}

UsersOutcome add(const UsersCommand& c, const std::string& user, std::istream& password_in) {
  if (!SaslCredentials::valid_user(user)) {
    return usage("users add: a user name is non-empty, without whitespace or control characters");
  }
  auto mechanism = security::parse_scram_mechanism(c.mechanism);
  if (!mechanism) {
    return usage("--mechanism: '" + c.mechanism + "' is not SCRAM-SHA-256 or SCRAM-SHA-512");
  }
  if (c.iterations < security::kMinScramIterations ||
      c.iterations > security::kMaxScramIterations) {
    return usage("--iterations: must be from " + std::to_string(security::kMinScramIterations) +
                 " to " + std::to_string(security::kMaxScramIterations));
  }
  if (!c.password_stdin) {
    return usage(
        "users add: --password-stdin is required (a password on the command line would show in "
        "the process list and the shell history)");
  }
  std::string password;
  if (!std::getline(password_in, password) || password.empty()) {
    return failure("users add: no password on standard input");
  }
  std::string error;
  auto credentials = load(c.file, /*absent_is_empty=*/true, error);
  if (!credentials) return failure(error);
  credentials->put(user, security::make_scram_credential(*mechanism, password, c.iterations));
  if (!save(c.file, *credentials, error)) return failure(error);
  return {};
}

UsersOutcome remove(const UsersCommand& c, const std::string& user) {
  std::string error;
  auto credentials = load(c.file, /*absent_is_empty=*/false, error);
  if (!credentials) return failure(error);
  if (!credentials->remove(user))
    return failure("users remove: no user '" + user + "' in " + c.file);
  if (!save(c.file, *credentials, error)) return failure(error);
  return {};
}

UsersOutcome list(const UsersCommand& c, std::ostream& out) {
  std::string error;
  auto credentials = load(c.file, /*absent_is_empty=*/false, error);
  if (!credentials) return failure(error);
  for (const auto& [user, mechanism] : credentials->list()) {
    out << user << " " << security::mechanism_name(mechanism) << " "
        << credentials->find(user, mechanism)->iterations << "\n";
  }
  return {};
}

}  // namespace

UsersOutcome run_users(const UsersCommand& c, std::istream& password_in, std::ostream& out) {
  const auto& w = c.words;
  if (c.file.empty()) return usage("users: --file FILE is required");
  if (w.size() == 3 && w[1] == "add") return add(c, w[2], password_in);
  if (w.size() == 3 && w[1] == "remove") return remove(c, w[2]);
  if (w.size() == 2 && w[1] == "list") return list(c, out);
  return usage("users: expected add NAME, remove NAME or list");
}

}  // namespace groupwire::cli
