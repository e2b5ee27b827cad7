// libFuzzer entry point for the ACL file parser (built with clang when GROUPWIRE_FUZZ is on).
// What parses is checked against a rule-by-rule scan, so the indexed lookup of AclSet::allows
// cannot drift from the plain meaning of the rules.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "security/acl.h"

namespace {

using namespace groupwire::security;

bool rule_matches(const AclRule& rule, std::string_view principal, AclOperation op,
                  ResourceType type, std::string_view name) {
  if (rule.resource_type != type) return false;
  bool name_matches = rule.pattern_type == PatternType::kPrefixed
                          ? name.starts_with(rule.name)
                          : rule.name == name || rule.name == "*";
  if (!name_matches) return false;
  if (rule.principal != "User:*" && rule.principal != principal) return false;
  if (rule.operation == AclOperation::kAll || rule.operation == op) return true;
  return rule.permission == AclPermission::kAllow && op == AclOperation::kDescribe;
}

bool scan_allows(const std::vector<AclRule>& rules, std::string_view principal, AclOperation op,
                 ResourceType type, std::string_view name) {
  bool allowed = false;
  for (const AclRule& rule : rules) {
    if (!rule_matches(rule, principal, op, type, name)) continue;
    if (rule.permission == AclPermission::kDeny) return false;
    allowed = true;
  }
  return allowed;
}

// Every line that parses as a rule; when the whole text parsed, these are its rules.
std::vector<AclRule> rules_of(std::string_view text) {
  std::vector<AclRule> rules;
  while (!text.empty()) {
    std::size_t end = text.find('\n');
    std::string error;
    if (auto rule = parse_acl_rule(text.substr(0, end), error)) rules.push_back(std::move(*rule));
    text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
  }
  return rules;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  std::string error;
  auto set = AclSet::parse(text, error);
  if (!set) {
    if (error.empty()) std::abort();
    return 0;
  }
  std::vector<AclRule> rules = rules_of(text);
  if (rules.size() != set->size()) std::abort();

  std::vector<std::string> principals = {"User:ANONYMOUS", "User:*"};
  std::vector<std::string> names = {"", "*"};
  for (const AclRule& rule : rules) {
    principals.push_back(rule.principal);
    names.push_back(rule.name);
    names.push_back(rule.name + "x");
    names.push_back(rule.name.substr(0, rule.name.size() / 2));
  }
  constexpr AclOperation kOperations[] = {AclOperation::kRead, AclOperation::kWrite,
                                          AclOperation::kDescribe, AclOperation::kDelete,
                                          AclOperation::kAll};
  for (const std::string& principal : principals) {
    for (const std::string& name : names) {
      for (AclOperation op : kOperations) {
        for (ResourceType type : {ResourceType::kGroup, ResourceType::kTopic}) {
          if (set->allows(principal, op, type, name) !=
              scan_allows(rules, principal, op, type, name))
            std::abort();
        }
      }
    }
  }
  return 0;
}
