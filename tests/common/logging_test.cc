// JSON log lines: one object per line, strings escaped, and the group a line is about as its
// own field.
#include "logging.h"

#include <gtest/gtest.h>

namespace groupwire {
namespace {

TEST(JsonLog, GroupLinesCarryTheGroupId) {
  EXPECT_EQ(
      json_log_line("2024-01-01T00:00:00.000Z", "info", "groupwire-coordinator", 7,
                    "group orders-app: member m-1 joins (2 members)"),
      R"j({"time":"2024-01-01T00:00:00.000Z","level":"info","logger":"groupwire-coordinator",)j"
      R"j("thread":7,"group":"orders-app","msg":"group orders-app: member m-1 joins (2 members)"})j");
}

TEST(JsonLog, OtherLinesHaveNoGroupAndStringsAreEscaped) {
  EXPECT_EQ(json_log_line("t", "warn", "gw", 1, "bad \"frame\"\tfrom\n\x01"),
            R"j({"time":"t","level":"warn","logger":"gw","thread":1,)j"
            R"j("msg":"bad \"frame\"\tfrom\n\u0001"})j");
}

TEST(LogFormat, ParsesTextAndJsonOnly) {
  EXPECT_EQ(parse_log_format("json"), LogFormat::Json);
  EXPECT_EQ(parse_log_format("text"), LogFormat::Text);
  EXPECT_FALSE(parse_log_format("xml"));
}

}  // namespace
}  // namespace groupwire
