#include "security/sasl_mechanism.h"

#include "security/sasl_credentials.h"
#include "security/scram.h"

namespace groupwire::security {

namespace {

SaslStep failed(std::string error) {
  return {SaslStep::Status::kFailed, "", std::move(error), ""};
}

// RFC 4616: [authzid] NUL authcid NUL passwd, in one token; checked as Kafka's PlainSaslServer
// does.
class PlainServer : public SaslServerMechanism {
 public:
  explicit PlainServer(std::shared_ptr<const SaslCredentials> credentials)
      : credentials_(std::move(credentials)) {}

  SaslStep step(std::string_view token) override {
    if (over_) return failed("Authentication failed: the PLAIN exchange is over");
    over_ = true;
    auto first = token.find('\0');
    auto second = first == std::string_view::npos ? first : token.find('\0', first + 1);
    if (second == std::string_view::npos ||
        token.find('\0', second + 1) != std::string_view::npos) {
      return failed("Invalid SASL/PLAIN response: expected 3 tokens");
    }
    auto authzid = token.substr(0, first);
    auto user = token.substr(first + 1, second - first - 1);
    auto password = token.substr(second + 1);
    if (user.empty()) return failed("Authentication failed: username not specified");
    if (password.empty()) return failed("Authentication failed: password not specified");
    if (!authzid.empty() && authzid != user) {
      return failed(
          "Authentication failed: Client requested an authorization id that is different from "
          "username");
    }
    if (!credentials_->check_password(user, password)) {
      return failed("Authentication failed: Invalid username or password");
    }
    return {SaslStep::Status::kDone, "", "", std::string(user)};
  }

 private:
  std::shared_ptr<const SaslCredentials> credentials_;
  bool over_ = false;
};

class PlainClient : public SaslClientMechanism {
 public:
  PlainClient(std::string user, std::string password)
      : user_(std::move(user)), password_(std::move(password)) {}

  std::string initial() override { return std::string(1, '\0') + user_ + '\0' + password_; }

  // The server's answer to the one token says nothing more than that it was accepted.
  std::optional<std::string> step(std::string_view, std::string&) override {
    done_ = true;
    return std::string();
  }

  bool done() const override { return done_; }

 private:
  std::string user_;
  std::string password_;
  bool done_ = false;
};

class ScramClientMechanism : public SaslClientMechanism {
 public:
  ScramClientMechanism(ScramMechanism mechanism, std::string user, std::string password)
      : client_(mechanism, std::move(user), std::move(password)) {}

  std::string initial() override { return client_.client_first(); }

  std::optional<std::string> step(std::string_view server_token, std::string& error) override {
    if (!sent_final_) {
      sent_final_ = true;
      return client_.client_final(server_token, error);
    }
    if (done_) {
      error = "the SCRAM exchange is over";
      return std::nullopt;
    }
    if (!client_.verify_server_final(server_token, error)) return std::nullopt;
    done_ = true;
    return std::string();
  }

  bool done() const override { return done_; }

 private:
  ScramClient client_;
  bool sent_final_ = false;
  bool done_ = false;
};

}  // namespace

std::unique_ptr<SaslServerMechanism> make_sasl_server(
    std::string_view mechanism, std::shared_ptr<const SaslCredentials> credentials) {
  if (mechanism == "PLAIN") return std::make_unique<PlainServer>(std::move(credentials));
  auto scram = parse_scram_mechanism(mechanism);
  if (!scram) return nullptr;
  auto lookup = [credentials = std::move(credentials), m = *scram](std::string_view user) {
    return credentials->find(user, m);
  };
  return std::make_unique<ScramServer>(*scram, std::move(lookup));
}

std::unique_ptr<SaslClientMechanism> make_sasl_client(std::string_view mechanism, std::string user,
                                                      std::string password) {
  if (mechanism == "PLAIN")
    return std::make_unique<PlainClient>(std::move(user), std::move(password));
  auto scram = parse_scram_mechanism(mechanism);
  if (!scram) return nullptr;
  return std::make_unique<ScramClientMechanism>(*scram, std::move(user), std::move(password));
}

}  // namespace groupwire::security
