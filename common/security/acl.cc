#include "security/acl.h"

#include <algorithm>
#include <array>
#include <map>

namespace groupwire::security {
namespace {

constexpr std::string_view kUserPrefix = "User:";
constexpr std::string_view kAnyPrincipal = "User:*";
constexpr std::string_view kWildcardName = "*";
// Fields of a rule line, in order, as the errors name them.
constexpr std::array<std::string_view, 6> kFields = {"allow|deny",    "PRINCIPAL",    "OPERATION",
                                                     "RESOURCE_TYPE", "PATTERN_TYPE", "NAME"};

bool is_blank(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

bool iequals(std::string_view a, std::string_view b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
    auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
    return lower(x) == lower(y);
  });
}

std::vector<std::string_view> split_fields(std::string_view line) {
  std::vector<std::string_view> fields;
  std::size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && is_blank(line[i])) ++i;
    std::size_t start = i;
    while (i < line.size() && !is_blank(line[i])) ++i;
    if (i > start) fields.push_back(line.substr(start, i - start));
  }
  return fields;
}

// Quotes a token for an error message, cut short so a garbled file cannot flood the log.
std::string quoted(std::string_view token) {
  constexpr std::size_t kMax = 64;
  std::string out = "'";
  out += token.substr(0, kMax);
  if (token.size() > kMax) out += "...";
  out += "'";
  return out;
}

template <class E, std::size_t N>
std::optional<E> keyword(std::string_view token,
                         const std::array<std::pair<std::string_view, E>, N>& names) {
  for (const auto& [name, value] : names) {
    if (iequals(token, name)) return value;
  }
  return std::nullopt;
}

constexpr std::array<std::pair<std::string_view, AclPermission>, 2> kPermissions = {{
    {"allow", AclPermission::kAllow},
    {"deny", AclPermission::kDeny},
}};
constexpr std::array<std::pair<std::string_view, AclOperation>, 5> kOperations = {{
    {"Read", AclOperation::kRead},
    {"Write", AclOperation::kWrite},
    {"Describe", AclOperation::kDescribe},
    {"Delete", AclOperation::kDelete},
    {"All", AclOperation::kAll},
}};
constexpr std::array<std::pair<std::string_view, ResourceType>, 2> kResourceTypes = {{
    {"group", ResourceType::kGroup},
    {"topic", ResourceType::kTopic},
}};
constexpr std::array<std::pair<std::string_view, PatternType>, 2> kPatternTypes = {{
    {"literal", PatternType::kLiteral},
    {"prefixed", PatternType::kPrefixed},
}};

bool is_comment_or_blank(std::string_view line) {
  auto first = std::find_if(line.begin(), line.end(), [](char c) { return !is_blank(c); });
  return first == line.end() || *first == '#';
}

std::size_t matching_prefix_length(std::string_view a, std::string_view b) {
  auto [ia, ib] = std::mismatch(a.begin(), a.end(), b.begin(), b.end());
  return static_cast<std::size_t>(ia - a.begin());
}

}  // namespace

std::optional<AclRule> parse_acl_rule(std::string_view line, std::string& error) {
  std::vector<std::string_view> fields = split_fields(line);
  if (fields.size() < kFields.size()) {
    error = "missing " + std::string(kFields[fields.size()]);
    return std::nullopt;
  }
  if (fields.size() > kFields.size()) {
    error = "unexpected " + quoted(fields[kFields.size()]) + " after NAME";
    return std::nullopt;
  }
  AclRule rule;
  auto permission = keyword(fields[0], kPermissions);
  if (!permission) {
    error = "expected allow or deny, got " + quoted(fields[0]);
    return std::nullopt;
  }
  rule.permission = *permission;
  std::string_view principal = fields[1];
  if (!principal.starts_with(kUserPrefix) || principal.size() == kUserPrefix.size()) {
    error = "bad principal " + quoted(principal) + " (expected User:NAME or User:*)";
    return std::nullopt;
  }
  rule.principal = principal;
  auto operation = keyword(fields[2], kOperations);
  if (!operation) {
    error = "unknown operation " + quoted(fields[2]) + " (expected Read, Write, Describe, " +
            "Delete or All)";
    return std::nullopt;
  }
  rule.operation = *operation;
  auto resource_type = keyword(fields[3], kResourceTypes);
  if (!resource_type) {
    error = "unknown resource type " + quoted(fields[3]) + " (expected group or topic)";
    return std::nullopt;
  }
  rule.resource_type = *resource_type;
  auto pattern_type = keyword(fields[4], kPatternTypes);
  if (!pattern_type) {
    error = "unknown pattern type " + quoted(fields[4]) + " (expected literal or prefixed)";
    return std::nullopt;
  }
  rule.pattern_type = *pattern_type;
  rule.name = fields[5];
  return rule;
}

std::optional<AclSet> AclSet::parse(std::string_view text, std::string& error) {
  std::vector<AclRule> rules;
  std::size_t line_number = 0;
  while (!text.empty()) {
    ++line_number;
    std::size_t end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
    if (is_comment_or_blank(line)) continue;
    std::string rule_error;
    auto rule = parse_acl_rule(line, rule_error);
    if (!rule) {
      error = "line " + std::to_string(line_number) + ": " + rule_error;
      return std::nullopt;
    }
    rules.push_back(std::move(*rule));
  }
  return from_rules(std::move(rules));
}

AclSet AclSet::from_rules(std::vector<AclRule> rules) {
  AclSet set;
  set.size_ = rules.size();
  std::map<std::string, Entries, std::less<>> prefixed[2];
  for (AclRule& rule : rules) {
    auto type = static_cast<std::size_t>(rule.resource_type);
    Section& section = set.sections_[type];
    Entry entry{.principal = std::move(rule.principal),
                .any_principal = false,
                .permission = rule.permission,
                .operation = rule.operation};
    entry.any_principal = entry.principal == kAnyPrincipal;
    if (rule.pattern_type == PatternType::kPrefixed) {
      prefixed[type][std::move(rule.name)].push_back(std::move(entry));
    } else if (rule.name == kWildcardName) {
      section.wildcard.push_back(std::move(entry));
    } else {
      section.literal[std::move(rule.name)].push_back(std::move(entry));
    }
  }
  for (std::size_t type = 0; type < 2; ++type) {
    auto& sorted = set.sections_[type].prefixed;
    sorted.reserve(prefixed[type].size());
    for (auto& [prefix, entries] : prefixed[type]) sorted.emplace_back(prefix, std::move(entries));
  }
  return set;
}

void AclSet::apply(const Entries& entries, std::string_view principal, AclOperation op,
                   Verdict& verdict) {
  for (const Entry& entry : entries) {
    if (!entry.any_principal && entry.principal != principal) continue;
    if (entry.operation != AclOperation::kAll && entry.operation != op) {
      // An allowed Read, Write or Delete also allows Describe; a denied one denies only itself.
      bool implies_describe =
          entry.permission == AclPermission::kAllow && op == AclOperation::kDescribe;
      if (!implies_describe) continue;
    }
    if (entry.permission == AclPermission::kDeny) {
      verdict.denied = true;
      return;
    }
    verdict.allowed = true;
  }
}

// Walks the sorted prefixes from the longest that can match the name down to the shortest:
// the greatest prefix not above the key either is a prefix of the name, or shares with it only
// a leading part that bounds every shorter candidate.
void AclSet::apply_prefixed(const Section& section, std::string_view principal, AclOperation op,
                            std::string_view name, Verdict& verdict) {
  const auto& sorted = section.prefixed;
  std::string_view key = name;
  while (!key.empty() && !verdict.denied) {
    auto it = std::upper_bound(sorted.begin(), sorted.end(), key,
                               [](std::string_view k, const auto& e) { return k < e.first; });
    if (it == sorted.begin()) return;
    --it;
    std::string_view prefix = it->first;
    std::size_t common = matching_prefix_length(prefix, key);
    if (common == prefix.size()) {
      apply(it->second, principal, op, verdict);
      // Only rules built in code can have an empty prefix; it is the last candidate.
      if (prefix.empty()) return;
      common = prefix.size() - 1;
    }
    key = key.substr(0, common);
  }
}

bool AclSet::allows(std::string_view principal, AclOperation op, ResourceType type,
                    std::string_view name) const {
  const Section& section = sections_[static_cast<std::size_t>(type)];
  Verdict verdict;
  if (auto it = section.literal.find(name); it != section.literal.end()) {
    apply(it->second, principal, op, verdict);
  }
  apply_prefixed(section, principal, op, name, verdict);
  apply(section.wildcard, principal, op, verdict);
  return verdict.allowed && !verdict.denied;
}

}  // namespace groupwire::security
