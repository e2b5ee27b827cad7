// The --sasl-users file: salted SCRAM credentials, never a password. One line per user and
// mechanism, '#' comments and blank lines allowed:
//   alice SCRAM-SHA-512 4096 <salt base64> <stored_key base64> <server_key base64>
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "security/scram.h"

namespace groupwire::security {

class SaslCredentials {
 public:
  // error names the line and what is wrong with it, never a key.
  static std::optional<SaslCredentials> parse(std::string_view text, std::string& error);
  std::string serialize() const;

  // Non-empty, no whitespace or control characters: what a line of the file can hold.
  static bool valid_user(std::string_view user);

  std::optional<ScramCredential> find(std::string_view user, ScramMechanism mechanism) const;
  // Whether any of the user's credentials was made from password (PLAIN logins).
  bool check_password(std::string_view user, std::string_view password) const;
  // Adds or replaces the user's credential for its mechanism; user must be valid_user.
  void put(std::string user, ScramCredential credential);
  // Removes every mechanism's credential of the user; false if there was none.
  bool remove(std::string_view user);
  // (user, mechanism) pairs, by user then mechanism.
  std::vector<std::pair<std::string, ScramMechanism>> list() const;

 private:
  std::map<std::string, std::map<ScramMechanism, ScramCredential>, std::less<>> users_;
};

}  // namespace groupwire::security
