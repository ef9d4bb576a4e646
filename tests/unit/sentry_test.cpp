// Error reports in Sentry's envelope format (obs/sentry.hpp) and the W3C traceparent parser
// whose ids they carry (net/middleware.hpp).
#include <algorithm>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "net/middleware.hpp"
#include "obs/sentry.hpp"

namespace crema::obs {
namespace {

namespace json = boost::json;

TEST(SentryDsn, ParsesTheDsnShapes) {
  auto d = SentryDsn::parse("https://abc123@o1.ingest.sentry.io/4505");
  ASSERT_TRUE(d);
  EXPECT_EQ(d->public_key, "abc123");
  EXPECT_EQ(d->project_id, "4505");
  EXPECT_EQ(d->envelope_url(), "https://o1.ingest.sentry.io/api/4505/envelope/");
  EXPECT_EQ(d->auth_header("crema/1"),
            "Sentry sentry_version=7, sentry_client=crema/1, sentry_key=abc123");

  auto self_hosted = SentryDsn::parse("http://key:legacysecret@127.0.0.1:9000/sentry/7");
  ASSERT_TRUE(self_hosted);
  EXPECT_EQ(self_hosted->public_key, "key");
  EXPECT_EQ(self_hosted->envelope_url(), "http://127.0.0.1:9000/sentry/api/7/envelope/");

  for (const char* bad :
       {"", "abc@host/1", "ftp://k@h/1", "https://host/1", "https://k@host", "https://k@host/",
        "https://k@host/project", "https://k y@host/1", "https://k@ho st/1"})
    EXPECT_FALSE(SentryDsn::parse(bad)) << bad;
}

TEST(SentryEnvelope, OneErrorLineBecomesAnEventWithTagsExtrasAndTrace) {
  const auto dsn = *SentryDsn::parse("https://pk@sentry.example/3");
  const SentryProcess process{"crema@0.1.0", "production", "till-1"};
  const std::string line =
      R"({"ts":"2026-11-22T09:00:00.000Z","level":"error","msg":"unhandled exception",)"
      R"("request_id":"r-1","route":"/api/v1/orders/{id}","error":"boom","sqlstate":"XX000",)"
      R"("trace_id":"4bf92f3577b34da6a3ce929d0e0e4736","span_id":"00f067aa0ba902b7"})";
  const std::string id = "0123456789abcdef0123456789abcdef";
  auto envelope = sentry_envelope(line, dsn, process, id);
  ASSERT_TRUE(envelope);

  // Three lines: envelope header, item header, payload (whose length the item states).
  const auto first = envelope->find('\n');
  const auto second = envelope->find('\n', first + 1);
  ASSERT_NE(second, std::string::npos);
  ASSERT_EQ(envelope->back(), '\n');
  const auto header = json::parse(envelope->substr(0, first)).as_object();
  const auto item = json::parse(envelope->substr(first + 1, second - first - 1)).as_object();
  const std::string payload = envelope->substr(second + 1, envelope->size() - second - 2);
  EXPECT_EQ(header.at("event_id").as_string(), id);
  EXPECT_EQ(header.at("dsn").as_string(), "https://pk@sentry.example/3");
  EXPECT_EQ(item.at("type").as_string(), "event");
  EXPECT_EQ(item.at("length").as_int64(), static_cast<std::int64_t>(payload.size()));

  const auto event = json::parse(payload).as_object();
  EXPECT_EQ(event.at("event_id").as_string(), id);
  EXPECT_EQ(event.at("level").as_string(), "error");
  EXPECT_EQ(event.at("release").as_string(), "crema@0.1.0");
  EXPECT_EQ(event.at("environment").as_string(), "production");
  EXPECT_EQ(event.at("server_name").as_string(), "till-1");
  EXPECT_EQ(event.at("message").at("formatted").as_string(), "unhandled exception: boom");
  EXPECT_EQ(event.at("tags").at("route").as_string(), "/api/v1/orders/{id}");
  EXPECT_EQ(event.at("tags").at("request_id").as_string(), "r-1");
  EXPECT_EQ(event.at("extra").at("sqlstate").as_string(), "XX000");
  EXPECT_FALSE(event.at("extra").as_object().contains("ts"));
  const auto& trace = event.at("contexts").at("trace").as_object();
  EXPECT_EQ(trace.at("trace_id").as_string(), "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(trace.at("parent_span_id").as_string(), "00f067aa0ba902b7");
  EXPECT_EQ(trace.at("span_id").as_string(), "0123456789abcdef");

  EXPECT_FALSE(sentry_envelope("not json", dsn, process, id));
  EXPECT_FALSE(sentry_envelope("[1,2]", dsn, process, id));
}

TEST(SentryReporter, BoundsItsQueueAndDropsTheRest) {
  SentryReporter reporter(*SentryDsn::parse("http://k@127.0.0.1:9/1"), {"r", "e", "h"});
  // Not started: nothing is sent, and captures beyond the bounds are dropped, not queued.
  for (int i = 0; i < 200; ++i) reporter.capture(R"({"msg":"x"})");
  EXPECT_EQ(reporter.sent(), 0u);
  const auto kept =
      std::min<std::uint64_t>(SentryReporter::kMaxQueued, SentryReporter::kMaxPerMinute);
  EXPECT_EQ(reporter.dropped(), 200u - kept);
}

}  // namespace
}  // namespace crema::obs

namespace crema::http {
namespace {

TEST(Traceparent, AcceptsValidHeadersOnly) {
  auto ok = RequestIdMiddleware::parse_traceparent(
      "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->first, "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(ok->second, "00f067aa0ba902b7");
  // A later version may carry more fields.
  EXPECT_TRUE(RequestIdMiddleware::parse_traceparent(
      "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra"));
  for (const char* bad : {"", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7",
                          "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
                          "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
                          "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
                          "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
                          "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra",
                          "00_4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
                          "00-4bf92f3577b34da6a3ce929d0e0e473g-00f067aa0ba902b7-01",
                          "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0x"})
    EXPECT_FALSE(RequestIdMiddleware::parse_traceparent(bad)) << bad;
}

}  // namespace
}  // namespace crema::http
