#include "security/scram.h"

#include <charconv>
#include <cstdlib>
#include <vector>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include "security/base64.h"

namespace groupwire::security {

namespace {

constexpr std::string_view kInvalidCredentials = "Authentication failed: Invalid user credentials";
constexpr std::string_view kInvalidClientFirst =
    "Authentication failed: Invalid SCRAM client first message";
constexpr std::string_view kInvalidClientFinal =
    "Authentication failed: Invalid SCRAM client final message";

// OpenSSL failing on well-formed input (out of memory, no entropy) leaves nothing safe to do.
void require(bool ok) {
  if (!ok) std::abort();
}

const EVP_MD* digest(ScramMechanism mechanism) {
  return mechanism == ScramMechanism::kSha256 ? EVP_sha256() : EVP_sha512();
}

const unsigned char* bytes(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

std::string hmac(ScramMechanism mechanism, std::string_view key, std::string_view data) {
  std::string out(EVP_MAX_MD_SIZE, '\0');
  unsigned int size = 0;
  require(HMAC(digest(mechanism), key.data(), static_cast<int>(key.size()), bytes(data),
               data.size(), reinterpret_cast<unsigned char*>(out.data()), &size) != nullptr);
  out.resize(size);
  return out;
}

std::string hash(ScramMechanism mechanism, std::string_view data) {
  std::string out(EVP_MAX_MD_SIZE, '\0');
  unsigned int size = 0;
  require(EVP_Digest(data.data(), data.size(), reinterpret_cast<unsigned char*>(out.data()), &size,
                     digest(mechanism), nullptr) == 1);
  out.resize(size);
  return out;
}

std::string salted_password(ScramMechanism mechanism, std::string_view password,
                            std::string_view salt, int iterations) {
  std::string out(scram_key_size(mechanism), '\0');
  require(PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()), bytes(salt),
                            static_cast<int>(salt.size()), iterations, digest(mechanism),
                            static_cast<int>(out.size()),
                            reinterpret_cast<unsigned char*>(out.data())) == 1);
  return out;
}

std::string xor_bytes(std::string_view a, std::string_view b) {
  std::string out(a);
  for (std::size_t i = 0; i < out.size(); ++i) out[i] = static_cast<char>(out[i] ^ b[i]);
  return out;
}

bool same_bytes(std::string_view a, std::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

bool iterations_in_range(int iterations) {
  return iterations >= kMinScramIterations && iterations <= kMaxScramIterations;
}

// RFC 5802 saslname: ',' and '=' travel as "=2C" and "=3D".
std::string escape_sasl_name(std::string_view user) {
  std::string out;
  for (char c : user) {
    if (c == ',') {
      out += "=2C";
    } else if (c == '=') {
      out += "=3D";
    } else {
      out += c;
    }
  }
  return out;
}

std::optional<std::string> unescape_sasl_name(std::string_view name) {
  std::string out;
  for (std::size_t i = 0; i < name.size(); ++i) {
    if (name[i] != '=') {
      out += name[i];
      continue;
    }
    auto code = name.substr(i + 1, 2);
    if (code == "2C") {
      out += ',';
    } else if (code == "3D") {
      out += '=';
    } else {
      return std::nullopt;
    }
    i += 2;
  }
  if (out.empty()) return std::nullopt;
  return out;
}

std::vector<std::string_view> split(std::string_view text, char separator) {
  std::vector<std::string_view> parts;
  while (true) {
    auto at = text.find(separator);
    parts.push_back(text.substr(0, at));
    if (at == std::string_view::npos) return parts;
    text.remove_prefix(at + 1);
  }
}

// The value of "name=value", if field is that attribute.
std::optional<std::string_view> attribute(std::string_view field, char name) {
  if (field.size() < 2 || field[0] != name || field[1] != '=') return std::nullopt;
  return field.substr(2);
}

// The value of fields[i] if it is that attribute.
std::optional<std::string_view> attribute(const std::vector<std::string_view>& fields,
                                          std::size_t i, char name) {
  if (i >= fields.size()) return std::nullopt;
  return attribute(fields[i], name);
}

// RFC 5802 "printable": what a nonce is made of.
bool printable(std::string_view text) {
  if (text.empty()) return false;
  for (char c : text) {
    if (c < 0x21 || c > 0x7e || c == ',') return false;
  }
  return true;
}

// RFC 5802 extensions ("key=value" with an alphabetic key) after the mandatory attributes.
bool valid_extensions(const std::vector<std::string_view>& fields, std::size_t from) {
  for (std::size_t i = from; i < fields.size(); ++i) {
    auto eq = fields[i].find('=');
    if (eq == 0 || eq == std::string_view::npos || eq + 1 == fields[i].size()) return false;
    for (char c : fields[i].substr(0, eq)) {
      if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))) return false;
    }
  }
  return true;
}

std::optional<int> parse_int(std::string_view text) {
  int value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

}  // namespace

std::string_view mechanism_name(ScramMechanism mechanism) {
  return mechanism == ScramMechanism::kSha256 ? "SCRAM-SHA-256" : "SCRAM-SHA-512";
}

std::optional<ScramMechanism> parse_scram_mechanism(std::string_view name) {
  if (name == "SCRAM-SHA-256") return ScramMechanism::kSha256;
  if (name == "SCRAM-SHA-512") return ScramMechanism::kSha512;
  return std::nullopt;
}

std::size_t scram_key_size(ScramMechanism mechanism) {
  return static_cast<std::size_t>(EVP_MD_get_size(digest(mechanism)));
}

ScramCredential make_scram_credential(ScramMechanism mechanism, std::string_view password,
                                      int iterations) {
  std::string salt(32, '\0');
  require(RAND_bytes(reinterpret_cast<unsigned char*>(salt.data()), 32) == 1);
  return make_scram_credential(mechanism, password, std::move(salt), iterations);
}

ScramCredential make_scram_credential(ScramMechanism mechanism, std::string_view password,
                                      std::string salt, int iterations) {
  auto salted = salted_password(mechanism, password, salt, iterations);
  ScramCredential c{mechanism, std::move(salt), iterations, "", ""};
  c.stored_key = hash(mechanism, hmac(mechanism, salted, "Client Key"));
  c.server_key = hmac(mechanism, salted, "Server Key");
  OPENSSL_cleanse(salted.data(), salted.size());
  return c;
}

bool scram_password_matches(const ScramCredential& credential, std::string_view password) {
  auto computed =
      make_scram_credential(credential.mechanism, password, credential.salt, credential.iterations);
  return same_bytes(computed.stored_key, credential.stored_key);
}

std::string random_nonce() {
  // 18 bytes: 24 base64 characters, no padding, no ','.
  std::string raw(18, '\0');
  require(RAND_bytes(reinterpret_cast<unsigned char*>(raw.data()), 18) == 1);
  return base64_encode(raw);
}

ScramServer::ScramServer(ScramMechanism mechanism, ScramCredentialLookup lookup, NonceSource nonce)
    : mechanism_(mechanism), lookup_(std::move(lookup)), nonce_(std::move(nonce)) {}

SaslStep ScramServer::step(std::string_view client_message) {
  switch (state_) {
    case State::kClientFirst:
      return client_first(client_message);
    case State::kClientFinal:
      return client_final(client_message);
    case State::kOver:
      break;
  }
  return fail("Authentication failed: the SCRAM exchange is over");
}

SaslStep ScramServer::fail(std::string error) {
  state_ = State::kOver;
  credential_ = {};
  return {SaslStep::Status::kFailed, "", std::move(error), ""};
}

SaslStep ScramServer::client_first(std::string_view message) {
  // gs2-header "n," [ "a=" authzid ] "," then client-first-message-bare.
  if (message.starts_with("y,") || message.starts_with("p=")) {
    return fail("Authentication failed: SCRAM channel binding is not supported");
  }
  if (!message.starts_with("n,")) return fail(std::string(kInvalidClientFirst));
  auto authz_end = message.find(',', 2);
  if (authz_end == std::string_view::npos) return fail(std::string(kInvalidClientFirst));
  auto authz = message.substr(2, authz_end - 2);
  auto authzid = attribute(authz, 'a');
  if (!authz.empty() && !authzid) return fail(std::string(kInvalidClientFirst));
  gs2_header_ = std::string(message.substr(0, authz_end + 1));
  client_first_bare_ = std::string(message.substr(authz_end + 1));

  auto fields = split(client_first_bare_, ',');
  auto name = attribute(fields[0], 'n');
  auto client_nonce = attribute(fields, 1, 'r');
  auto user = name ? unescape_sasl_name(*name) : std::nullopt;
  if (!user || !client_nonce || !printable(*client_nonce) || !valid_extensions(fields, 2)) {
    return fail(std::string(kInvalidClientFirst));
  }
  for (std::size_t i = 2; i < fields.size(); ++i) {
    // Kafka's delegation tokens: the gateway keeps none.
    if (fields[i].starts_with("tokenauth=")) {
      return fail("Authentication failed: SCRAM extension tokenauth is not supported");
    }
  }
  if (authzid && unescape_sasl_name(*authzid) != *user) {
    return fail(
        "Authentication failed: Client requested an authorization id that is different from "
        "username");
  }
  auto credential = lookup_(*user);
  if (!credential || credential->mechanism != mechanism_ ||
      !iterations_in_range(credential->iterations)) {
    return fail(std::string(kInvalidCredentials));
  }
  user_ = std::move(*user);
  credential_ = std::move(*credential);
  nonce_value_ = std::string(*client_nonce) + nonce_();
  server_first_ = "r=" + nonce_value_ + ",s=" + base64_encode(credential_.salt) +
                  ",i=" + std::to_string(credential_.iterations);
  state_ = State::kClientFinal;
  return {SaslStep::Status::kContinue, server_first_, "", ""};
}

SaslStep ScramServer::client_final(std::string_view message) {
  // "c=" channel-binding "," "r=" nonce ["," extensions] "," "p=" proof; the proof comes last.
  auto proof_at = message.rfind(",p=");
  if (proof_at == std::string_view::npos) return fail(std::string(kInvalidClientFinal));
  auto without_proof = message.substr(0, proof_at);
  auto proof = base64_decode(message.substr(proof_at + 3));
  auto fields = split(without_proof, ',');
  auto binding = attribute(fields[0], 'c');
  auto nonce = attribute(fields, 1, 'r');
  if (!binding || !nonce || !proof || proof->size() != credential_.stored_key.size() ||
      !valid_extensions(fields, 2)) {
    return fail(std::string(kInvalidClientFinal));
  }
  if (base64_decode(*binding) != gs2_header_) {
    return fail("Authentication failed: SCRAM channel binding does not match the gs2 header");
  }
  // Kafka checks only that the nonce ends with the server's: librdkafka 2.0 sends its client nonce
  // twice (its own, then the server's, which already starts with it) and Kafka accepts that.
  if (!nonce->ends_with(nonce_value_)) {
    return fail("Authentication failed: Invalid client nonce in the final client message");
  }

  auto auth_message = client_first_bare_ + "," + server_first_ + "," + std::string(without_proof);
  auto client_signature = hmac(mechanism_, credential_.stored_key, auth_message);
  auto client_key = xor_bytes(*proof, client_signature);
  if (!same_bytes(hash(mechanism_, client_key), credential_.stored_key)) {
    return fail(std::string(kInvalidCredentials));
  }
  auto server_signature = hmac(mechanism_, credential_.server_key, auth_message);
  state_ = State::kOver;
  credential_ = {};
  return {SaslStep::Status::kDone, "v=" + base64_encode(server_signature), "", user_};
}

ScramClient::ScramClient(ScramMechanism mechanism, std::string user, std::string password,
                         NonceSource nonce)
    : mechanism_(mechanism),
      user_(std::move(user)),
      password_(std::move(password)),
      nonce_(std::move(nonce)) {}

std::string ScramClient::client_first() {
  client_nonce_ = nonce_();
  client_first_bare_ = "n=" + escape_sasl_name(user_) + ",r=" + client_nonce_;
  return "n,," + client_first_bare_;
}

std::optional<std::string> ScramClient::client_final(std::string_view server_first,
                                                     std::string& error) {
  if (client_first_bare_.empty()) {
    error = "SCRAM client-first message not sent yet";
    return std::nullopt;
  }
  // [reserved-mext ","] nonce "," salt "," iteration-count ["," extensions]
  auto fields = split(server_first, ',');
  if (fields.size() < 3 || !valid_extensions(fields, 3)) {
    error = "malformed SCRAM server-first message";
    return std::nullopt;
  }
  auto nonce = attribute(fields[0], 'r');
  auto salt_text = attribute(fields[1], 's');
  auto salt = salt_text ? base64_decode(*salt_text) : std::nullopt;
  auto iterations_text = attribute(fields[2], 'i');
  auto iterations = parse_int(iterations_text.value_or(""));
  if (!nonce || !salt || salt->empty() || !iterations) {
    error = "malformed SCRAM server-first message";
    return std::nullopt;
  }
  if (!printable(*nonce) || nonce->size() <= client_nonce_.size() ||
      !nonce->starts_with(client_nonce_)) {
    error = "SCRAM server nonce does not extend the client nonce";
    return std::nullopt;
  }
  if (!iterations_in_range(*iterations)) {
    error = "SCRAM iterations " + std::to_string(*iterations) + " outside [" +
            std::to_string(kMinScramIterations) + ", " + std::to_string(kMaxScramIterations) + "]";
    return std::nullopt;
  }
  auto salted = salted_password(mechanism_, password_, *salt, *iterations);
  auto client_key = hmac(mechanism_, salted, "Client Key");
  auto stored_key = hash(mechanism_, client_key);
  // "biws": base64 of the gs2 header "n,,".
  auto without_proof = "c=biws,r=" + std::string(*nonce);
  auto auth_message = client_first_bare_ + "," + std::string(server_first) + "," + without_proof;
  auto proof = xor_bytes(client_key, hmac(mechanism_, stored_key, auth_message));
  expected_server_signature_ =
      hmac(mechanism_, hmac(mechanism_, salted, "Server Key"), auth_message);
  OPENSSL_cleanse(salted.data(), salted.size());
  return without_proof + ",p=" + base64_encode(proof);
}

bool ScramClient::verify_server_final(std::string_view server_final, std::string& error) {
  // (server-error / verifier) ["," extensions]
  auto first = split(server_final, ',')[0];
  if (auto server_error = attribute(first, 'e')) {
    error = "SCRAM server error: " + std::string(*server_error);
    return false;
  }
  auto verifier = attribute(first, 'v');
  auto signature = verifier ? base64_decode(*verifier) : std::nullopt;
  if (!signature) {
    error = "malformed SCRAM server-final message";
    return false;
  }
  if (expected_server_signature_.empty() || !same_bytes(*signature, expected_server_signature_)) {
    error = "SCRAM server signature does not match: the server does not know the credential";
    return false;
  }
  return true;
}

}  // namespace groupwire::security
