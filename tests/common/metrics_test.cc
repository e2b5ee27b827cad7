// The registry renders Prometheus' text exposition format (0.0.4): HELP and TYPE lines, label
// escaping, cumulative histogram buckets with +Inf, _sum and _count.
#include "metrics/metrics.h"

#include <gtest/gtest.h>

namespace groupwire::metrics {
namespace {

TEST(Metrics, CountersAndGaugesWithLabels) {
  Registry r;
  auto& requests = r.counter("x_requests_total", "Requests.", {"api", "error"});
  requests.with({"Fetch", "NONE"}).inc();
  requests.with({"Fetch", "NONE"}).inc(2);
  requests.with({"Join\"Group", "a\\b\nc"}).inc();
  r.gauge("x_open", "Open things.").with({}).set(4);
  EXPECT_EQ(r.render(),
            "# HELP x_requests_total Requests.\n"
            "# TYPE x_requests_total counter\n"
            "x_requests_total{api=\"Fetch\",error=\"NONE\"} 3\n"
            "x_requests_total{api=\"Join\\\"Group\",error=\"a\\\\b\\nc\"} 1\n"
            "# HELP x_open Open things.\n"
            "# TYPE x_open gauge\n"
            "x_open 4\n");
}

TEST(Metrics, ChildrenWhoseLabelsGoAwayAreDropped) {
  Registry r;
  auto& lag = r.gauge("lag", "Lag.", {"group"});
  lag.with({"a"}).set(1);
  lag.with({"b"}).set(2);
  lag.erase_unless([](const LabelValues& v) { return v.at(0) == "b"; });
  EXPECT_EQ(r.render(), "# HELP lag Lag.\n# TYPE lag gauge\nlag{group=\"b\"} 2\n");
}

TEST(Metrics, HistogramBucketsAreCumulative) {
  Registry r;
  auto& h = r.histogram("x_seconds", "Durations.", {"api"}, {0.1, 1}).with({"Fetch"});
  h.observe(0.05);
  h.observe(0.1);  // on the bound: counted in it (le)
  h.observe(0.5);
  h.observe(7);
  EXPECT_EQ(r.render(),
            "# HELP x_seconds Durations.\n"
            "# TYPE x_seconds histogram\n"
            "x_seconds_bucket{api=\"Fetch\",le=\"0.1\"} 2\n"
            "x_seconds_bucket{api=\"Fetch\",le=\"1\"} 3\n"
            "x_seconds_bucket{api=\"Fetch\",le=\"+Inf\"} 4\n"
            "x_seconds_sum{api=\"Fetch\"} 7.65\n"
            "x_seconds_count{api=\"Fetch\"} 4\n");
}

TEST(Metrics, ScrapeHooksRunBeforeEachRender) {
  Registry r;
  auto& g = r.gauge("x_now", "Set at scrape time.").with({});
  int scrapes = 0;
  r.on_scrape([&] { g.set(++scrapes); });
  EXPECT_NE(r.render().find("x_now 1\n"), std::string::npos);
  EXPECT_NE(r.render().find("x_now 2\n"), std::string::npos);
}

}  // namespace
}  // namespace groupwire::metrics
