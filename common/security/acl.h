// Access control lists from the --acl-file, decided as Kafka's StandardAuthorizer decides them.
//
// File format, one rule a line:
//   allow|deny PRINCIPAL OPERATION RESOURCE_TYPE PATTERN_TYPE NAME
// e.g. `allow User:alice Read group prefixed orders-` or `allow User:* Describe topic literal *`.
// Lines whose first non-blank character is `#` are comments; blank lines are skipped. A `#`
// after a rule is not a comment (group ids may contain it), so it is an unexpected field.
// allow/deny, OPERATION (Read, Write, Describe, Delete, All), RESOURCE_TYPE (group, topic) and
// PATTERN_TYPE (literal, prefixed) are case-insensitive; PRINCIPAL (`User:NAME`, or `User:*`
// for every principal, the anonymous User:ANONYMOUS included) and NAME are case-sensitive.
// A literal NAME of `*` matches every name of its resource type.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace groupwire::security {

enum class AclOperation : std::uint8_t { kRead, kWrite, kDescribe, kDelete, kAll };
enum class ResourceType : std::uint8_t { kGroup, kTopic };
enum class PatternType : std::uint8_t { kLiteral, kPrefixed };
enum class AclPermission : std::uint8_t { kAllow, kDeny };

struct AclRule {
  AclPermission permission = AclPermission::kDeny;
  std::string principal;  // "User:alice", or "User:*" for every principal
  AclOperation operation = AclOperation::kAll;
  ResourceType resource_type = ResourceType::kTopic;
  PatternType pattern_type = PatternType::kLiteral;
  std::string name;

  bool operator==(const AclRule&) const = default;
};

// Parses one rule line (no comment, not blank); nullopt and error naming the bad token.
std::optional<AclRule> parse_acl_rule(std::string_view line, std::string& error);

class AclSet {
 public:
  // error names the line number and the bad token.
  static std::optional<AclSet> parse(std::string_view text, std::string& error);
  static AclSet from_rules(std::vector<AclRule> rules);

  // Deny wins over allow; what no rule allows is denied. principal is "User:NAME".
  bool allows(std::string_view principal, AclOperation op, ResourceType type,
              std::string_view name) const;
  std::size_t size() const { return size_; }

 private:
  // What a rule says once its resource is known to match.
  struct Entry {
    std::string principal;
    bool any_principal = false;
    AclPermission permission = AclPermission::kDeny;
    AclOperation operation = AclOperation::kAll;
  };
  using Entries = std::vector<Entry>;

  struct StringHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };

  // Rules of one resource type, indexed so a check costs a hash lookup and a few binary searches.
  struct Section {
    std::unordered_map<std::string, Entries, StringHash, std::equal_to<>> literal;
    Entries wildcard;
    // Sorted by prefix, one element per distinct prefix.
    std::vector<std::pair<std::string, Entries>> prefixed;
  };

  // What the matching rules seen so far say.
  struct Verdict {
    bool allowed = false;
    bool denied = false;
  };
  static void apply(const Entries& entries, std::string_view principal, AclOperation op,
                    Verdict& verdict);
  static void apply_prefixed(const Section& section, std::string_view principal, AclOperation op,
                             std::string_view name, Verdict& verdict);

  Section sections_[2];
  std::size_t size_ = 0;
};

}  // namespace groupwire::security
