// `groupwire users add|remove|list --file FILE`: the gateway's --sasl-users file, edited locally
// (no coordinator involved). The file holds salted SCRAM credentials only, never a password.
#pragma once

#include <istream>
#include <ostream>
#include <string>
#include <vector>

namespace groupwire::cli {

struct UsersCommand {
  std::vector<std::string> words;  // "users", then the subcommand and its arguments
  std::string file;
  std::string mechanism;  // SCRAM-SHA-256 or SCRAM-SHA-512
  int iterations = 0;
  bool password_stdin = false;
};

struct UsersOutcome {
  enum class Kind { kOk, kUsage, kFailed };
  Kind kind = Kind::kOk;
  std::string message;  // why, unless kOk
};

// add reads the password from password_in (one line); list writes to out.
UsersOutcome run_users(const UsersCommand& command, std::istream& password_in, std::ostream& out);

}  // namespace groupwire::cli
