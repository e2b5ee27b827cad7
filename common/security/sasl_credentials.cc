#include "security/sasl_credentials.h"

#include <charconv>

#include "security/base64.h"

namespace groupwire::security {

namespace {

bool blank(char c) {
  return c == ' ' || c == '\t' || c == '\r';
}

std::vector<std::string_view> words(std::string_view line) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && blank(line[i])) ++i;
    auto start = i;
    while (i < line.size() && !blank(line[i])) ++i;
    if (i > start) out.push_back(line.substr(start, i - start));
  }
  return out;
}

// A decoded key of the digest's size, or the reason it is not one.
std::optional<std::string> key(std::string_view text, ScramMechanism mechanism,
                               std::string_view what, std::string& error) {
  auto decoded = base64_decode(text);
  if (!decoded || decoded->size() != scram_key_size(mechanism)) {
    error = std::string(what) + " is not the base64 of " +
            std::to_string(scram_key_size(mechanism)) + " bytes";
    return std::nullopt;
  }
  return decoded;
}

// The credential a line of the file gives, or why it gives none.
std::optional<ScramCredential> parse_credential(const std::vector<std::string_view>& w,
                                                std::string& error) {
  auto mechanism = parse_scram_mechanism(w[1]);
  if (!mechanism) {
    error = "mechanism '" + std::string(w[1]) + "' is not SCRAM-SHA-256 or SCRAM-SHA-512";
    return std::nullopt;
  }
  int iterations = 0;
  auto [end, ec] = std::from_chars(w[2].data(), w[2].data() + w[2].size(), iterations);
  if (ec != std::errc() || end != w[2].data() + w[2].size() || iterations < kMinScramIterations ||
      iterations > kMaxScramIterations) {
    error = "iterations must be a number from " + std::to_string(kMinScramIterations) + " to " +
            std::to_string(kMaxScramIterations);
    return std::nullopt;
  }
  auto salt = base64_decode(w[3]);
  if (!salt || salt->empty()) {
    error = "salt is not non-empty base64";
    return std::nullopt;
  }
  auto stored_key = key(w[4], *mechanism, "stored key", error);
  if (!stored_key) return std::nullopt;
  auto server_key = key(w[5], *mechanism, "server key", error);
  if (!server_key) return std::nullopt;
  return ScramCredential{*mechanism, std::move(*salt), iterations, std::move(*stored_key),
                         std::move(*server_key)};
}

}  // namespace

std::optional<SaslCredentials> SaslCredentials::parse(std::string_view text, std::string& error) {
  SaslCredentials out;
  int number = 0;
  while (!text.empty()) {
    ++number;
    auto end = text.find('\n');
    auto line = text.substr(0, end);
    text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
    auto w = words(line);
    if (w.empty() || w[0].starts_with('#')) continue;
    auto where = "line " + std::to_string(number) + ": ";
    if (w.size() != 6) {
      error = where + "expected USER MECHANISM ITERATIONS SALT STORED_KEY SERVER_KEY, found " +
              std::to_string(w.size()) + " fields";
      return std::nullopt;
    }
    if (!valid_user(w[0])) {
      error = where + "the user name has a control character";
      return std::nullopt;
    }
    std::string problem;
    auto credential = parse_credential(w, problem);
    if (!credential) {
      error = where + problem;
      return std::nullopt;
    }
    if (out.find(w[0], credential->mechanism)) {
      error = where + "a second " + std::string(mechanism_name(credential->mechanism)) +
              " credential for user '" + std::string(w[0]) + "'";
      return std::nullopt;
    }
    out.put(std::string(w[0]), std::move(*credential));
  }
  return out;
}

std::string SaslCredentials::serialize() const {
  std::string out =
      "# groupwire SASL users: USER MECHANISM ITERATIONS SALT STORED_KEY SERVER_KEY (base64)\n";
  for (const auto& [user, credentials] : users_) {
    for (const auto& [mechanism, c] : credentials) {
      out += user + " " + std::string(mechanism_name(mechanism)) + " " +
             std::to_string(c.iterations) + " " + base64_encode(c.salt) + " " +
             base64_encode(c.stored_key) + " " + base64_encode(c.server_key) + "\n";
    }
  }
  return out;
}

bool SaslCredentials::valid_user(std::string_view user) {
  if (user.empty()) return false;
  for (char c : user) {
    auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7f) return false;
  }
  return true;
}

std::optional<ScramCredential> SaslCredentials::find(std::string_view user,
                                                     ScramMechanism mechanism) const {
  auto it = users_.find(user);
  if (it == users_.end()) return std::nullopt;
  auto c = it->second.find(mechanism);
  if (c == it->second.end()) return std::nullopt;
  return c->second;
}

bool SaslCredentials::check_password(std::string_view user, std::string_view password) const {
  auto it = users_.find(user);
  if (it == users_.end()) {
    // Costs what a known user's check costs: the time taken does not tell who exists.
    static const auto decoy = make_scram_credential(ScramMechanism::kSha512, "");
    scram_password_matches(decoy, password);
    return false;
  }
  bool matched = false;
  for (const auto& [mechanism, c] : it->second) matched |= scram_password_matches(c, password);
  return matched;
}

void SaslCredentials::put(std::string user, ScramCredential credential) {
  auto mechanism = credential.mechanism;
  users_[std::move(user)][mechanism] = std::move(credential);
}

bool SaslCredentials::remove(std::string_view user) {
  auto it = users_.find(user);
  if (it == users_.end()) return false;
  users_.erase(it);
  return true;
}

std::vector<std::pair<std::string, ScramMechanism>> SaslCredentials::list() const {
  std::vector<std::pair<std::string, ScramMechanism>> out;
  for (const auto& [user, credentials] : users_) {
    for (const auto& [mechanism, c] : credentials) out.emplace_back(user, mechanism);
  }
  return out;
}

}  // namespace groupwire::security
