// SASL PLAIN and SCRAM-SHA-256/512 (common/security): RFC 7677's exchange, round trips through
// the gateway's mechanisms, and every malformed or wrong message failing the exchange.
#include <algorithm>

#include <gtest/gtest.h>

#include "security/base64.h"
#include "security/sasl_credentials.h"
#include "security/sasl_mechanism.h"
#include "security/scram.h"

namespace groupwire::security {
namespace {

using Status = SaslStep::Status;

// RFC 7677 section 3.
constexpr char kClientNonce[] = "rOprNGfwEbeRWgbNEkqO";
constexpr char kServerNonce[] = "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0";
constexpr char kClientFirst[] = "n,,n=user,r=rOprNGfwEbeRWgbNEkqO";
constexpr char kServerFirst[] =
    "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096";
constexpr char kClientFinal[] =
    "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
    "p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=";
constexpr char kServerFinal[] = "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=";
constexpr char kInvalidCredentials[] = "Authentication failed: Invalid user credentials";

ScramCredential rfc7677_credential() {
  return make_scram_credential(ScramMechanism::kSha256, "pencil",
                               *base64_decode("W22ZaJ0SNY7soEsUEjb6gQ=="), 4096);
}

NonceSource fixed(std::string nonce) {
  return [nonce] { return nonce; };
}

// A SCRAM-SHA-256 server that knows RFC 7677's user and answers with its server nonce.
ScramServer rfc7677_server() {
  return ScramServer(
      ScramMechanism::kSha256,
      [](std::string_view user) -> std::optional<ScramCredential> {
        if (user != "user") return std::nullopt;
        return rfc7677_credential();
      },
      fixed(kServerNonce));
}

std::shared_ptr<const SaslCredentials> alice_and_bob() {
  auto credentials = std::make_shared<SaslCredentials>();
  credentials->put("alice", make_scram_credential(ScramMechanism::kSha512, "alice-secret"));
  credentials->put("alice", make_scram_credential(ScramMechanism::kSha256, "alice-secret"));
  credentials->put("bob", make_scram_credential(ScramMechanism::kSha256, "bob-secret"));
  return credentials;
}

// Runs a whole exchange between the client and server mechanisms; the server's last step.
SaslStep exchange(SaslClientMechanism& client, SaslServerMechanism& server) {
  auto token = client.initial();
  while (true) {
    auto answer = server.step(token);
    if (answer.status == Status::kFailed) return answer;
    std::string error;
    auto next = client.step(answer.response, error);
    if (!next) return {Status::kFailed, "", "client: " + error, ""};
    if (client.done()) return answer;
    token = *next;
  }
}

TEST(Scram, Rfc7677ClientSendsTheRfcMessagesAndAcceptsTheServerSignature) {
  ScramClient client(ScramMechanism::kSha256, "user", "pencil", fixed(kClientNonce));
  EXPECT_EQ(client.client_first(), kClientFirst);
  std::string error;
  auto final_message = client.client_final(kServerFirst, error);
  ASSERT_TRUE(final_message) << error;
  EXPECT_EQ(*final_message, kClientFinal);
  EXPECT_TRUE(client.verify_server_final(kServerFinal, error)) << error;
}

TEST(Scram, Rfc7677ServerAnswersTheRfcMessages) {
  auto server = rfc7677_server();
  auto first = server.step(kClientFirst);
  ASSERT_EQ(first.status, Status::kContinue) << first.error;
  EXPECT_EQ(first.response, kServerFirst);
  auto last = server.step(kClientFinal);
  ASSERT_EQ(last.status, Status::kDone) << last.error;
  EXPECT_EQ(last.response, kServerFinal);
  EXPECT_EQ(last.user, "user");
  EXPECT_EQ(server.step(kClientFinal).status, Status::kFailed);
}

// librdkafka 2.0's client-final repeats its client nonce before the server's whole nonce; Kafka
// accepts it (its check is endsWith), so a gateway in front of Kafka clients must too. Proof and
// signature computed independently (Python's hashlib) over that message.
TEST(Scram, ServerAcceptsLibrdkafkasRepeatedClientNonceAsKafkaDoes) {
  auto server = rfc7677_server();
  ASSERT_EQ(server.step(kClientFirst).status, Status::kContinue);
  auto last = server.step(
      "c=biws,r=rOprNGfwEbeRWgbNEkqOrOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
      "p=1Y75+q7XaCGJj/r6vyQWwoNxSzV5ksS8xhp5Lqyriec=");
  ASSERT_EQ(last.status, Status::kDone) << last.error;
  EXPECT_EQ(last.response, "v=3svB0h5EwFJ/+WVn2GpJ5uBzW8HEv9nm1rcYAhYlm0A=");
}

TEST(Scram, ClientRejectsAServerSignatureItDidNotExpect) {
  ScramClient client(ScramMechanism::kSha256, "user", "pencil", fixed(kClientNonce));
  client.client_first();
  std::string error;
  ASSERT_TRUE(client.client_final(kServerFirst, error));
  EXPECT_FALSE(client.verify_server_final("v=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", error));
  EXPECT_FALSE(client.verify_server_final("e=invalid-proof", error));
  EXPECT_NE(error.find("invalid-proof"), std::string::npos);
  EXPECT_FALSE(client.verify_server_final("v=not base64", error));
}

TEST(Scram, ClientRejectsABadServerFirst) {
  for (std::string server_first : {
           "r=someoneelse,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",           // not our nonce
           "r=rOprNGfwEbeRWgbNEkqO,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",  // nothing added
           "r=rOprNGfwEbeRWgbNEkqOx,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4095",
           "r=rOprNGfwEbeRWgbNEkqOx,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=16385",
           "r=rOprNGfwEbeRWgbNEkqOx,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=lots",
           "r=rOprNGfwEbeRWgbNEkqOx,s=!!!!,i=4096",
           "r=rOprNGfwEbeRWgbNEkqOx,i=4096",
           "m=ext,r=rOprNGfwEbeRWgbNEkqOx,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",
           "",
       }) {
    ScramClient client(ScramMechanism::kSha256, "user", "pencil", fixed(kClientNonce));
    client.client_first();
    std::string error;
    EXPECT_FALSE(client.client_final(server_first, error)) << server_first;
    EXPECT_FALSE(error.empty()) << server_first;
  }
}

TEST(Scram, Sha512RoundTripThroughTheGatewayMechanisms) {
  auto server = make_sasl_server("SCRAM-SHA-512", alice_and_bob());
  auto client = make_sasl_client("SCRAM-SHA-512", "alice", "alice-secret");
  ASSERT_TRUE(server && client);
  auto last = exchange(*client, *server);
  EXPECT_EQ(last.status, Status::kDone) << last.error;
  EXPECT_EQ(last.user, "alice");
  EXPECT_TRUE(client->done());
}

TEST(Scram, Sha256RoundTripThroughTheGatewayMechanisms) {
  auto server = make_sasl_server("SCRAM-SHA-256", alice_and_bob());
  auto client = make_sasl_client("SCRAM-SHA-256", "bob", "bob-secret");
  auto last = exchange(*client, *server);
  EXPECT_EQ(last.status, Status::kDone) << last.error;
  EXPECT_EQ(last.user, "bob");
}

TEST(Scram, UserNamesWithCommaAndEqualsTravelEscaped) {
  auto credentials = std::make_shared<SaslCredentials>();
  credentials->put("a,b=c", make_scram_credential(ScramMechanism::kSha512, "pw"));
  ScramClient client(ScramMechanism::kSha512, "a,b=c", "pw", fixed("nonce"));
  auto first = client.client_first();
  EXPECT_EQ(first, "n,,n=a=2Cb=3Dc,r=nonce");
  auto client_mechanism = make_sasl_client("SCRAM-SHA-512", "a,b=c", "pw");
  auto server = make_sasl_server("SCRAM-SHA-512", credentials);
  auto last = exchange(*client_mechanism, *server);
  EXPECT_EQ(last.status, Status::kDone) << last.error;
  EXPECT_EQ(last.user, "a,b=c");
}

TEST(Scram, WrongPasswordAndUnknownUserFailAlike) {
  auto wrong = exchange(*make_sasl_client("SCRAM-SHA-512", "alice", "guess"),
                        *make_sasl_server("SCRAM-SHA-512", alice_and_bob()));
  EXPECT_EQ(wrong.status, Status::kFailed);
  EXPECT_EQ(wrong.error, kInvalidCredentials);
  auto unknown = exchange(*make_sasl_client("SCRAM-SHA-512", "mallory", "guess"),
                          *make_sasl_server("SCRAM-SHA-512", alice_and_bob()));
  EXPECT_EQ(unknown.status, Status::kFailed);
  EXPECT_EQ(unknown.error, kInvalidCredentials);
  // bob has a SCRAM-SHA-256 credential only.
  auto other = exchange(*make_sasl_client("SCRAM-SHA-512", "bob", "bob-secret"),
                        *make_sasl_server("SCRAM-SHA-512", alice_and_bob()));
  EXPECT_EQ(other.error, kInvalidCredentials);
}

TEST(Scram, MalformedClientFirstFails) {
  for (std::string message : std::vector<std::string>{
           "",
           "n,,",
           "n,,r=abc",                        // no user
           "n,,n=user",                       // no nonce
           "n,,n=user,r=",                    // empty nonce
           "n,,n=,r=abc",                     // empty user
           "n,,n=us=2Xer,r=abc",              // bad escape
           "n,,n=user=,r=abc",                // truncated escape
           "n,,m=ext,n=user,r=abc",           // mandatory extension
           "n,,n=user,r=abc,=x",              // extension without a name
           "n,,n=user,r=abc,tokenauth=true",  // delegation tokens
           "y,,n=user,r=abc",                 // channel binding
           "p=tls-unique,,n=user,r=abc",      // channel binding
           "x,,n=user,r=abc",                 // no gs2 header
           "n,b=user,n=user,r=abc",           // not an authzid
           "n,a=other,n=user,r=abc",
           "n,a=,n=user,r=abc",  // authzid other than the user
           "n,a=user",           // no bare message
           "n,,n=user,r=a\x01",  // unprintable nonce
       }) {
    auto server = rfc7677_server();
    auto step = server.step(message);
    EXPECT_EQ(step.status, Status::kFailed) << message;
    EXPECT_FALSE(step.error.empty()) << message;
    EXPECT_TRUE(step.response.empty()) << message;
  }
}

TEST(Scram, AuthzidNamingTheUserItselfIsAccepted) {
  auto server = rfc7677_server();
  auto first = server.step("n,a=user,n=user,r=rOprNGfwEbeRWgbNEkqO");
  EXPECT_EQ(first.status, Status::kContinue) << first.error;
}

TEST(Scram, MalformedOrWrongClientFinalFails) {
  const std::string nonce = "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0";
  const std::string proof = "p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=";
  for (std::string message : std::vector<std::string>{
           "",
           "c=biws," + nonce,                         // no proof
           "c=biws," + proof,                         // no nonce
           nonce + "," + proof,                       // no channel binding
           "c=biws,r=rOprNGfwEbeRWgbNEkqO," + proof,  // not the combined nonce
           "c=biws," + nonce + "x," + proof,          // nonce with more
           "c=eSws," + nonce + "," + proof,           // "y,," is not what was sent
           "c=bi-s," + nonce + "," + proof,           // binding not base64
           "c=biws," + nonce + ",p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ",   // no padding
           "c=biws," + nonce + ",p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgs",              // too short
           "c=biws," + nonce + ",p=eHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=",  // wrong proof
       }) {
    auto server = rfc7677_server();
    ASSERT_EQ(server.step(kClientFirst).status, Status::kContinue);
    auto step = server.step(message);
    EXPECT_EQ(step.status, Status::kFailed) << message;
    EXPECT_FALSE(step.error.empty()) << message;
    EXPECT_TRUE(step.response.empty()) << message;
    EXPECT_EQ(server.step(kClientFinal).status, Status::kFailed) << "after " << message;
  }
}

TEST(Scram, StoredIterationsBelowKafkasMinimumFail) {
  ScramServer server(
      ScramMechanism::kSha256,
      [](std::string_view) -> std::optional<ScramCredential> {
        return make_scram_credential(ScramMechanism::kSha256, "pencil", "salt", 1000);
      },
      fixed(kServerNonce));
  EXPECT_EQ(server.step(kClientFirst).status, Status::kFailed);
}

TEST(Scram, MechanismNames) {
  EXPECT_EQ(mechanism_name(ScramMechanism::kSha256), "SCRAM-SHA-256");
  EXPECT_EQ(parse_scram_mechanism("SCRAM-SHA-512"), ScramMechanism::kSha512);
  EXPECT_EQ(parse_scram_mechanism("scram-sha-512"), std::nullopt);
  EXPECT_EQ(make_sasl_server("GSSAPI", alice_and_bob()), nullptr);
  EXPECT_EQ(make_sasl_client("OAUTHBEARER", "a", "b"), nullptr);
}

SaslStep plain(std::string_view token) {
  return make_sasl_server("PLAIN", alice_and_bob())->step(token);
}

std::string nul_joined(std::string_view authzid, std::string_view user, std::string_view pw) {
  return std::string(authzid) + '\0' + std::string(user) + '\0' + std::string(pw);
}

TEST(Plain, RightPasswordOfAnyMechanismsCredentialLogsIn) {
  auto alice = plain(nul_joined("", "alice", "alice-secret"));
  EXPECT_EQ(alice.status, Status::kDone) << alice.error;
  EXPECT_EQ(alice.user, "alice");
  EXPECT_TRUE(alice.response.empty());
  auto bob = plain(nul_joined("bob", "bob", "bob-secret"));
  EXPECT_EQ(bob.status, Status::kDone) << bob.error;
  EXPECT_EQ(bob.user, "bob");
}

TEST(Plain, WrongPasswordAndUnknownUserFailAlike) {
  auto wrong = plain(nul_joined("", "alice", "bob-secret"));
  EXPECT_EQ(wrong.status, Status::kFailed);
  EXPECT_EQ(wrong.error, "Authentication failed: Invalid username or password");
  auto unknown = plain(nul_joined("", "mallory", "alice-secret"));
  EXPECT_EQ(unknown.status, Status::kFailed);
  EXPECT_EQ(unknown.error, wrong.error);
}

TEST(Plain, MalformedTokensFail) {
  for (std::string token : {
           std::string(""),
           std::string("alice"),
           std::string("alice\0alice-secret", 18),
           nul_joined("", "alice", "alice-secret") + '\0',
           nul_joined("", "", "alice-secret"),
           nul_joined("", "alice", ""),
           nul_joined("bob", "alice", "alice-secret"),
       }) {
    auto step = plain(token);
    EXPECT_EQ(step.status, Status::kFailed);
    EXPECT_FALSE(step.error.empty());
    EXPECT_EQ(step.error.find("secret"), std::string::npos) << step.error;
  }
}

TEST(Plain, OneTokenOnly) {
  auto server = make_sasl_server("PLAIN", alice_and_bob());
  ASSERT_EQ(server->step(nul_joined("", "alice", "alice-secret")).status, Status::kDone);
  EXPECT_EQ(server->step(nul_joined("", "alice", "alice-secret")).status, Status::kFailed);
}

TEST(Plain, ClientRoundTrip) {
  auto client = make_sasl_client("PLAIN", "bob", "bob-secret");
  EXPECT_EQ(client->initial(), nul_joined("", "bob", "bob-secret"));
  auto last = exchange(*client, *make_sasl_server("PLAIN", alice_and_bob()));
  EXPECT_EQ(last.status, Status::kDone) << last.error;
  EXPECT_TRUE(client->done());
}

TEST(SaslCredentials, SerializeParseRoundTrip) {
  auto original = alice_and_bob();
  std::string error;
  auto parsed = SaslCredentials::parse(original->serialize(), error);
  ASSERT_TRUE(parsed) << error;
  EXPECT_EQ(parsed->serialize(), original->serialize());
  EXPECT_EQ(parsed->list(), original->list());
  auto a = original->find("alice", ScramMechanism::kSha512);
  auto b = parsed->find("alice", ScramMechanism::kSha512);
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->salt, b->salt);
  EXPECT_EQ(a->iterations, b->iterations);
  EXPECT_EQ(a->stored_key, b->stored_key);
  EXPECT_EQ(a->server_key, b->server_key);
  EXPECT_TRUE(parsed->check_password("bob", "bob-secret"));
  EXPECT_FALSE(parsed->check_password("bob", "alice-secret"));
  EXPECT_FALSE(parsed->check_password("carol", "bob-secret"));
}

TEST(SaslCredentials, CommentsBlankLinesAndCrlf) {
  auto c = rfc7677_credential();
  std::string line = "user SCRAM-SHA-256 4096 " + base64_encode(c.salt) + " " +
                     base64_encode(c.stored_key) + "\t" + base64_encode(c.server_key);
  std::string error;
  auto parsed = SaslCredentials::parse("# users\n\n   \r\n" + line + "\r\n# end", error);
  ASSERT_TRUE(parsed) << error;
  EXPECT_TRUE(parsed->check_password("user", "pencil"));
  ASSERT_EQ(parsed->list().size(), 1u);
  EXPECT_EQ(parsed->list()[0], std::make_pair(std::string("user"), ScramMechanism::kSha256));
}

TEST(SaslCredentials, ParseErrorsNameTheLineAndNeverAKey) {
  auto c = rfc7677_credential();
  auto salt = base64_encode(c.salt), stored = base64_encode(c.stored_key),
       server = base64_encode(c.server_key);
  auto good = "user SCRAM-SHA-256 4096 " + salt + " " + stored + " " + server;
  struct Case {
    std::string line;
    std::string says;
  };
  for (const auto& [line, says] : std::vector<Case>{
           {"user SCRAM-SHA-256 4096 " + salt + " " + stored, "found 5 fields"},
           {good + " extra", "found 7 fields"},
           {"user SCRAM-SHA-1 4096 " + salt + " " + stored + " " + server, "SCRAM-SHA-1"},
           {"user SCRAM-SHA-256 1024 " + salt + " " + stored + " " + server, "iterations"},
           {"user SCRAM-SHA-256 4096x " + salt + " " + stored + " " + server, "iterations"},
           {"user SCRAM-SHA-256 4096 !" + salt + " " + stored + " " + server, "salt"},
           {"user SCRAM-SHA-512 4096 " + salt + " " + stored + " " + server, "stored key"},
           {"user SCRAM-SHA-256 4096 " + salt + " " + stored + " x" + server, "server key"},
           {std::string("us\x01r SCRAM-SHA-256 4096 ") + salt + " " + stored + " " + server,
            "user name"},
           {good + "\n\n" + good, "a second SCRAM-SHA-256 credential for user 'user'"},
       }) {
    std::string error;
    EXPECT_FALSE(SaslCredentials::parse("# header\n" + line, error)) << line;
    auto last_line = std::to_string(1 + std::count(line.begin(), line.end(), '\n') + 1);
    EXPECT_TRUE(error.starts_with("line " + last_line + ": ")) << error;
    EXPECT_NE(error.find(says), std::string::npos) << error;
    EXPECT_EQ(error.find(stored), std::string::npos) << error;
    EXPECT_EQ(error.find(server), std::string::npos) << error;
  }
}

TEST(SaslCredentials, PutReplacesAndRemoveDropsEveryMechanism) {
  SaslCredentials credentials;
  credentials.put("alice", make_scram_credential(ScramMechanism::kSha512, "old"));
  credentials.put("alice", make_scram_credential(ScramMechanism::kSha512, "new"));
  credentials.put("alice", make_scram_credential(ScramMechanism::kSha256, "other"));
  EXPECT_FALSE(credentials.check_password("alice", "old"));
  EXPECT_TRUE(credentials.check_password("alice", "new"));
  EXPECT_TRUE(credentials.check_password("alice", "other"));
  EXPECT_EQ(credentials.list().size(), 2u);
  EXPECT_TRUE(credentials.remove("alice"));
  EXPECT_FALSE(credentials.remove("alice"));
  EXPECT_TRUE(credentials.list().empty());
  EXPECT_FALSE(credentials.find("alice", ScramMechanism::kSha512));
}

TEST(SaslCredentials, ValidUserNames) {
  EXPECT_TRUE(SaslCredentials::valid_user("alice@example.com"));
  EXPECT_TRUE(SaslCredentials::valid_user("a,b=c"));
  EXPECT_FALSE(SaslCredentials::valid_user(""));
  EXPECT_FALSE(SaslCredentials::valid_user("a b"));
  EXPECT_FALSE(SaslCredentials::valid_user("a\tb"));
  EXPECT_FALSE(SaslCredentials::valid_user(std::string("a\0b", 3)));
}

TEST(Base64, StrictDecoding) {
  EXPECT_EQ(base64_encode("pencil"), "cGVuY2ls");
  EXPECT_EQ(base64_decode("cGVuY2ls"), "pencil");
  EXPECT_EQ(base64_decode("cGVuY2w="), "pencl");
  EXPECT_EQ(base64_decode("cGVuYw=="), "penc");
  EXPECT_EQ(base64_decode(""), "");
  EXPECT_FALSE(base64_decode("cGVuYw="));
  EXPECT_FALSE(base64_decode("cGVu Yw=="));
  EXPECT_FALSE(base64_decode("cG=uYw=="));
  EXPECT_FALSE(base64_decode("===="));
  EXPECT_FALSE(base64_decode("cGVuY-ls"));
}

}  // namespace
}  // namespace groupwire::security
