// SASL mechanisms as a Kafka connection drives them: the gateway's server side for clients'
// SaslAuthenticate requests, and the client side for logging in to an authenticated upstream.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace groupwire::security {

class SaslCredentials;

struct SaslStep {
  enum class Status { kContinue, kDone, kFailed };
  Status status = Status::kFailed;
  // The token to send back (SaslAuthenticate's auth_bytes); may be empty.
  std::string response;
  // Why it failed: safe to log and to send as SaslAuthenticate's error_message (never a password).
  std::string error;
  // The authenticated user, set when kDone.
  std::string user;
};

class SaslServerMechanism {
 public:
  virtual ~SaslServerMechanism() = default;
  // Takes the client's next token. Once kDone or kFailed, every further step fails.
  virtual SaslStep step(std::string_view token) = 0;
};

// "PLAIN", "SCRAM-SHA-256" or "SCRAM-SHA-512" against the salted credentials; nullptr for any
// other mechanism name.
std::unique_ptr<SaslServerMechanism> make_sasl_server(
    std::string_view mechanism, std::shared_ptr<const SaslCredentials> credentials);

// Driven as: send initial(); then for each server token, next = step(token): nullopt fails, done()
// ends the exchange (next is then empty and not sent), else send *next.
class SaslClientMechanism {
 public:
  virtual ~SaslClientMechanism() = default;
  virtual std::string initial() = 0;
  virtual std::optional<std::string> step(std::string_view server_token, std::string& error) = 0;
  virtual bool done() const = 0;
};

// nullptr for a mechanism other than PLAIN and SCRAM-SHA-256/512.
std::unique_ptr<SaslClientMechanism> make_sasl_client(std::string_view mechanism, std::string user,
                                                      std::string password);

}  // namespace groupwire::security
