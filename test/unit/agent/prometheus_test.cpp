// The Prometheus text exposition: escaping, numbers, histograms, and the agent's metric set
// (every family with HELP and TYPE, every sample under a declared family).
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <sstream>
#include <string>

#include "agent_metrics.hpp"
#include "event_log.hpp"
#include "prometheus.hpp"

using namespace ppp2p::agent::http;

TEST(Prometheus, FormatsNumbersAsTheFormatWantsThem) {
  EXPECT_EQ(format_value(0), "0");
  EXPECT_EQ(format_value(12345678901.0), "12345678901");
  EXPECT_EQ(format_value(0.25), "0.25");
  EXPECT_EQ(format_value(0.0001), "0.0001");
  EXPECT_EQ(format_value(1.0 / 0.0), "+Inf");
  EXPECT_EQ(format_value(-1.0 / 0.0), "-Inf");
  EXPECT_EQ(format_value(0.0 / 0.0), "NaN");
}

TEST(Prometheus, EscapesLabelValuesAndHelp) {
  EXPECT_EQ(escape_label_value("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
  EXPECT_EQ(escape_help("x\\y\nz \"q\""), "x\\\\y\\nz \"q\"");
  Exposition e;
  e.family("m", "gauge", "help\nline");
  e.sample("m", 3, {{"addr", "h\"1"}, {"k", "v"}});
  EXPECT_EQ(e.text(), "# HELP m help\\nline\n# TYPE m gauge\nm{addr=\"h\\\"1\",k=\"v\"} 3\n");
}

TEST(Prometheus, HistogramsAreCumulativeWithInfSumAndCount) {
  Histogram h({0.001, 0.01, 0.1});
  for (double v : {0.0005, 0.001, 0.005, 0.05, 5.0})
    h.observe(v);
  Exposition e;
  e.histogram("rtt_seconds", "Round trips.", h);
  EXPECT_EQ(e.text(), "# HELP rtt_seconds Round trips.\n"
                      "# TYPE rtt_seconds histogram\n"
                      "rtt_seconds_bucket{le=\"0.001\"} 2\n"
                      "rtt_seconds_bucket{le=\"0.01\"} 3\n"
                      "rtt_seconds_bucket{le=\"0.1\"} 4\n"
                      "rtt_seconds_bucket{le=\"+Inf\"} 5\n"
                      "rtt_seconds_sum 5.0565\n"
                      "rtt_seconds_count 5\n");
}

TEST(AgentMetrics, EveryFamilyHasHelpAndTypeAndEverySampleAFamily) {
  MetricsSample s;
  s.members_alive = 3;
  s.members_dead = 1;
  s.slots_total = 4;
  s.slots_busy = 2;
  s.vt_resumes = 7;
  Histogram rtt = make_rtt_histogram();
  rtt.observe(0.0003);
  s.link_rtt = &rtt;
  std::string text = format_metrics(s);
  std::map<std::string, std::string> types; // family -> TYPE
  std::set<std::string> helped;
  std::istringstream in(text);
  std::string line;
  std::set<std::string> sampled;
  while (std::getline(in, line)) {
    ASSERT_FALSE(line.empty());
    std::istringstream words(line);
    std::string first, name, rest;
    words >> first;
    if (first == "#") {
      words >> rest >> name;
      if (rest == "HELP")
        helped.insert(name);
      else if (rest == "TYPE")
        words >> types[name];
      continue;
    }
    std::string metric = first.substr(0, first.find('{'));
    std::string family = metric;
    for (const char* suffix : {"_bucket", "_sum", "_count"})
      if (types.count(family) == 0 && metric.ends_with(suffix))
        family = metric.substr(0, metric.size() - std::string(suffix).size());
    EXPECT_TRUE(types.count(family)) << "sample without TYPE: " << line;
    EXPECT_TRUE(helped.count(family)) << "sample without HELP: " << line;
    sampled.insert(family);
  }
  for (const char* f :
       {"ppp2p_members", "ppp2p_slots_total", "ppp2p_slots_busy", "ppp2p_vts_running",
        "ppp2p_vts_queued", "ppp2p_vts_finished_total", "ppp2p_vt_resumes_total",
        "ppp2p_checkpoint_bytes_total", "ppp2p_messages_total", "ppp2p_link_rtt_seconds"})
    EXPECT_TRUE(sampled.count(f)) << f;
  EXPECT_EQ(types["ppp2p_members"], "gauge");
  EXPECT_EQ(types["ppp2p_vts_finished_total"], "counter");
  EXPECT_EQ(types["ppp2p_link_rtt_seconds"], "histogram");
  EXPECT_NE(text.find("ppp2p_members{state=\"alive\"} 3\n"), std::string::npos);
  EXPECT_NE(text.find("ppp2p_members{state=\"dead\"} 1\n"), std::string::npos);
  EXPECT_NE(text.find("ppp2p_vt_resumes_total 7\n"), std::string::npos);
  EXPECT_NE(text.find("ppp2p_link_rtt_seconds_bucket{le=\"0.00025\"} 0\n"), std::string::npos);
  EXPECT_NE(text.find("ppp2p_link_rtt_seconds_bucket{le=\"0.0005\"} 1\n"), std::string::npos);
  EXPECT_NE(text.find("ppp2p_link_rtt_seconds_count 1\n"), std::string::npos);
}

TEST(EventLog, KeepsTheNewestUpToItsCapacityAsJson) {
  EventLog log(3);
  for (int i = 0; i < 5; ++i)
    log.add(LoggedEvent{i, "member_dead", "127.0.0.1:" + std::to_string(i), "was \"suspect\""});
  EXPECT_EQ(log.total(), 5u);
  ASSERT_EQ(log.events().size(), 3u);
  EXPECT_EQ(log.events().front().unix_ms, 2);
  EXPECT_EQ(log.events().back().subject, "127.0.0.1:4");
  std::string json = log.json();
  EXPECT_EQ(json.find("127.0.0.1:1"), std::string::npos);
  EXPECT_NE(json.find("\"detail\": \"was \\\"suspect\\\"\""), std::string::npos);
  EXPECT_EQ(EventLog().json(), "[]");
}
