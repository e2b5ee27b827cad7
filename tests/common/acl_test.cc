// ACL file parsing and the decisions made from it, which follow Kafka's StandardAuthorizer.
#include "security/acl.h"

#include <gtest/gtest.h>

namespace groupwire::security {
namespace {

constexpr auto kRead = AclOperation::kRead;
constexpr auto kWrite = AclOperation::kWrite;
constexpr auto kDescribe = AclOperation::kDescribe;
constexpr auto kDelete = AclOperation::kDelete;
constexpr auto kGroup = ResourceType::kGroup;
constexpr auto kTopic = ResourceType::kTopic;

AclSet parse_ok(std::string_view text) {
  std::string error;
  auto set = AclSet::parse(text, error);
  EXPECT_TRUE(set) << error;
  return set ? std::move(*set) : AclSet{};
}

std::string parse_error(std::string_view text) {
  std::string error;
  EXPECT_FALSE(AclSet::parse(text, error));
  return error;
}

TEST(AclParse, ReadsRulesSkippingCommentsAndBlankLines) {
  AclSet set = parse_ok(
      "# consumers\n"
      "\n"
      "allow User:alice Read group prefixed orders-\n"
      "   # indented comment\n"
      "\tdeny  User:bob\tWrite topic literal payments \r\n"
      "allow User:* Describe topic literal *");
  EXPECT_EQ(set.size(), 3u);
}

TEST(AclParse, ParsesEveryField) {
  std::string error;
  auto rule = parse_acl_rule("deny User:bob Delete topic prefixed logs.", error);
  ASSERT_TRUE(rule) << error;
  EXPECT_EQ(*rule, (AclRule{.permission = AclPermission::kDeny,
                            .principal = "User:bob",
                            .operation = AclOperation::kDelete,
                            .resource_type = ResourceType::kTopic,
                            .pattern_type = PatternType::kPrefixed,
                            .name = "logs."}));
}

TEST(AclParse, KeywordsAreCaseInsensitive) {
  AclSet set =
      parse_ok("ALLOW User:alice rEaD GROUP Literal g\nDeny User:alice ALL Topic PREFIXED t");
  EXPECT_TRUE(set.allows("User:alice", kRead, kGroup, "g"));
  EXPECT_FALSE(set.allows("User:alice", kRead, kTopic, "t1"));
}

TEST(AclParse, PrincipalAndNameAreCaseSensitive) {
  AclSet set = parse_ok("allow User:alice Read group literal Orders");
  EXPECT_TRUE(set.allows("User:alice", kRead, kGroup, "Orders"));
  EXPECT_FALSE(set.allows("User:Alice", kRead, kGroup, "Orders"));
  EXPECT_FALSE(set.allows("User:alice", kRead, kGroup, "orders"));
  EXPECT_EQ(parse_error("allow user:alice Read group literal g"),
            "line 1: bad principal 'user:alice' (expected User:NAME or User:*)");
}

TEST(AclParse, UnknownKeywordsNameLineAndToken) {
  EXPECT_EQ(
      parse_error("# c\nallow User:a Read group literal g\npermit User:a Read group literal g"),
      "line 3: expected allow or deny, got 'permit'");
  EXPECT_EQ(parse_error("\n\nallow User:a Raed group literal g"),
            "line 3: unknown operation 'Raed' (expected Read, Write, Describe, Delete or All)");
  EXPECT_EQ(parse_error("allow User:a Read cluster literal kafka-cluster"),
            "line 1: unknown resource type 'cluster' (expected group or topic)");
  EXPECT_EQ(parse_error("allow User:a Read group match g"),
            "line 1: unknown pattern type 'match' (expected literal or prefixed)");
}

TEST(AclParse, MissingAndExtraFields) {
  EXPECT_EQ(parse_error("allow User:a Read group literal"), "line 1: missing NAME");
  EXPECT_EQ(parse_error("allow User:a"), "line 1: missing OPERATION");
  EXPECT_EQ(parse_error("allow User:a Read group literal g # trailing"),
            "line 1: unexpected '#' after NAME");
}

TEST(AclParse, BadPrincipals) {
  EXPECT_EQ(parse_error("allow alice Read group literal g"),
            "line 1: bad principal 'alice' (expected User:NAME or User:*)");
  EXPECT_EQ(parse_error("allow User: Read group literal g"),
            "line 1: bad principal 'User:' (expected User:NAME or User:*)");
  EXPECT_EQ(parse_error("allow Group:ops Read group literal g"),
            "line 1: bad principal 'Group:ops' (expected User:NAME or User:*)");
}

TEST(AclParse, LongBadTokensAreCut) {
  std::string error = parse_error("allow User:a " + std::string(1000, 'x') + " group literal g");
  EXPECT_LT(error.size(), 200u);
  EXPECT_NE(error.find("..."), std::string::npos);
}

TEST(AclParse, EmptyTextIsAnEmptySet) {
  AclSet set = parse_ok("# nothing yet\n\n");
  EXPECT_EQ(set.size(), 0u);
  EXPECT_FALSE(set.allows("User:alice", kDescribe, kTopic, "t"));
}

TEST(AclAllows, NoMatchingRuleDenies) {
  AclSet set = parse_ok("allow User:alice Read group literal g");
  EXPECT_TRUE(set.allows("User:alice", kRead, kGroup, "g"));
  EXPECT_FALSE(set.allows("User:bob", kRead, kGroup, "g"));
  EXPECT_FALSE(set.allows("User:alice", kRead, kGroup, "h"));
  EXPECT_FALSE(set.allows("User:alice", kRead, kTopic, "g"));
  EXPECT_FALSE(set.allows("User:alice", kWrite, kGroup, "g"));
}

TEST(AclAllows, DenyWinsOverAllow) {
  AclSet set = parse_ok(
      "allow User:* All topic literal *\n"
      "allow User:alice Read topic literal secret\n"
      "deny User:alice Read topic prefixed sec\n");
  EXPECT_FALSE(set.allows("User:alice", kRead, kTopic, "secret"));
  EXPECT_FALSE(set.allows("User:alice", kRead, kTopic, "sector"));
  EXPECT_TRUE(set.allows("User:alice", kWrite, kTopic, "secret"));
  EXPECT_TRUE(set.allows("User:bob", kRead, kTopic, "secret"));
}

TEST(AclAllows, DenyOnWildcardOrForEveryoneWins) {
  AclSet set = parse_ok(
      "allow User:alice Read topic literal t\n"
      "deny User:* Read topic literal *\n");
  EXPECT_FALSE(set.allows("User:alice", kRead, kTopic, "t"));
}

TEST(AclAllows, AllMatchesEveryOperation) {
  AclSet set = parse_ok(
      "allow User:alice All group literal g\ndeny User:bob All group literal g\n"
      "allow User:bob Read group literal g");
  for (auto op : {kRead, kWrite, kDescribe, kDelete, AclOperation::kAll}) {
    EXPECT_TRUE(set.allows("User:alice", op, kGroup, "g"));
    EXPECT_FALSE(set.allows("User:bob", op, kGroup, "g"));
  }
}

TEST(AclAllows, ReadWriteDeleteImplyDescribeWhenAllowed) {
  AclSet set = parse_ok(
      "allow User:r Read topic literal t\n"
      "allow User:w Write topic literal t\n"
      "allow User:d Delete topic literal t\n");
  for (const char* principal : {"User:r", "User:w", "User:d"}) {
    EXPECT_TRUE(set.allows(principal, kDescribe, kTopic, "t")) << principal;
  }
  EXPECT_FALSE(set.allows("User:r", kWrite, kTopic, "t"));
  EXPECT_FALSE(set.allows("User:w", kRead, kTopic, "t"));
  EXPECT_FALSE(set.allows("User:d", kRead, kTopic, "t"));
}

TEST(AclAllows, DescribeImpliesNothingElse) {
  AclSet set = parse_ok("allow User:a Describe topic literal t");
  EXPECT_TRUE(set.allows("User:a", kDescribe, kTopic, "t"));
  EXPECT_FALSE(set.allows("User:a", kRead, kTopic, "t"));
}

TEST(AclAllows, DeniedReadDoesNotDenyDescribe) {
  AclSet set = parse_ok("allow User:a All topic literal t\ndeny User:a Read topic literal t");
  EXPECT_FALSE(set.allows("User:a", kRead, kTopic, "t"));
  EXPECT_TRUE(set.allows("User:a", kDescribe, kTopic, "t"));
}

TEST(AclAllows, LiteralPrefixedAndWildcardNames) {
  AclSet set = parse_ok(
      "allow User:a Read group literal orders\n"
      "allow User:b Read group prefixed orders-\n"
      "allow User:c Read group literal *\n"
      "allow User:d Read group prefixed *\n");
  EXPECT_TRUE(set.allows("User:a", kRead, kGroup, "orders"));
  EXPECT_FALSE(set.allows("User:a", kRead, kGroup, "orders-1"));
  EXPECT_FALSE(set.allows("User:a", kRead, kGroup, "order"));

  EXPECT_TRUE(set.allows("User:b", kRead, kGroup, "orders-"));
  EXPECT_TRUE(set.allows("User:b", kRead, kGroup, "orders-eu"));
  EXPECT_FALSE(set.allows("User:b", kRead, kGroup, "orders"));
  EXPECT_FALSE(set.allows("User:b", kRead, kGroup, "xorders-"));

  EXPECT_TRUE(set.allows("User:c", kRead, kGroup, "anything"));
  EXPECT_TRUE(set.allows("User:c", kRead, kGroup, "*"));
  EXPECT_FALSE(set.allows("User:c", kRead, kTopic, "anything"));

  // A prefixed "*" is no wildcard: it matches names that start with "*".
  EXPECT_FALSE(set.allows("User:d", kRead, kGroup, "anything"));
  EXPECT_TRUE(set.allows("User:d", kRead, kGroup, "*x"));
}

TEST(AclAllows, EveryMatchingPrefixIsConsidered) {
  // Prefixes that sort between the name and its matching prefixes must not hide the latter.
  AclSet set = parse_ok(
      "allow User:a Read topic prefixed f\n"
      "allow User:a Read topic prefixed fa\n"
      "allow User:a Read topic prefixed fb\n"
      "allow User:a Read topic prefixed foo\n"
      "allow User:a Read topic literal foob\n"
      "allow User:a Read topic prefixed foobar\n"
      "allow User:a Read topic prefixed gar\n"
      "deny User:a Read topic prefixed fo\n");
  EXPECT_FALSE(set.allows("User:a", kRead, kTopic, "foobar"));
  EXPECT_FALSE(set.allows("User:a", kRead, kTopic, "foo"));
  EXPECT_TRUE(set.allows("User:a", kRead, kTopic, "fa"));
  EXPECT_TRUE(set.allows("User:a", kRead, kTopic, "fz"));
  EXPECT_FALSE(set.allows("User:a", kRead, kTopic, "g"));
  EXPECT_TRUE(set.allows("User:a", kRead, kTopic, "garage"));

  AclSet deny_short = parse_ok(
      "deny User:a Read topic prefixed f\n"
      "allow User:a Read topic prefixed fa\n"
      "allow User:a Read topic prefixed fb\n"
      "allow User:a Read topic prefixed foobar\n");
  EXPECT_FALSE(deny_short.allows("User:a", kRead, kTopic, "foobarbaz"));
  EXPECT_FALSE(deny_short.allows("User:a", kRead, kTopic, "fc"));
}

TEST(AclAllows, EveryPrincipalMatchesUserStar) {
  AclSet set = parse_ok("allow User:* Describe topic literal *");
  EXPECT_TRUE(set.allows("User:alice", kDescribe, kTopic, "t"));
  EXPECT_TRUE(set.allows("User:ANONYMOUS", kDescribe, kTopic, "t"));
  EXPECT_FALSE(set.allows("User:alice", kRead, kTopic, "t"));
}

TEST(AclAllows, EmptyPrefixFromCodeMatchesEverything) {
  AclSet set = AclSet::from_rules({AclRule{.permission = AclPermission::kAllow,
                                           .principal = "User:a",
                                           .operation = kRead,
                                           .resource_type = kTopic,
                                           .pattern_type = PatternType::kPrefixed,
                                           .name = ""}});
  EXPECT_TRUE(set.allows("User:a", kRead, kTopic, "t"));
}

}  // namespace
}  // namespace groupwire::security
