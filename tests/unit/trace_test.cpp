// obs/trace: W3C traceparent in and out, spans nesting on a thread, the OTLP JSON body, and
// an exporter that drops rather than waits when its collector does not answer.
#include <chrono>
#include <thread>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "obs/trace.hpp"
#include "support/fake_endpoint.hpp"

namespace crema::obs {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;

constexpr const char* kW3cExample = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

TEST(TraceContext, ParsesAndWritesTheW3cTraceparent) {
  auto t = TraceContext::parse(kW3cExample);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->trace_id, "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(t->span_id, "00f067aa0ba902b7");
  EXPECT_TRUE(t->sampled);
  EXPECT_EQ(t->traceparent(), kW3cExample);
  auto unsampled = TraceContext::parse("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00");
  ASSERT_TRUE(unsampled);
  EXPECT_FALSE(unsampled->sampled);
  EXPECT_TRUE(unsampled->traceparent().ends_with("-00"));
}

TEST(TraceContext, RefusesWhatIsNotATraceparent) {
  for (const char* bad : {
           "",
           "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",  // upper case
           "00-00000000000000000000000000000000-00f067aa0ba902b7-01",  // zero trace id
           "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",  // zero span id
           "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",  // unknown version
           "00-4bf92f3577b34da6a3ce929d0e0e473-600f067aa0ba902b7-01",  // dash misplaced
           "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0g",  // flags not hex
           "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra",
       })
    EXPECT_FALSE(TraceContext::parse(bad)) << bad;
}

TEST(ScopedSpan, WithoutAnExporterOrParentNothingIsOpened) {
  ASSERT_FALSE(tracing_enabled());
  ScopedSpan span("idle");
  EXPECT_FALSE(span.active());
  EXPECT_EQ(current_trace(), nullptr);
  EXPECT_EQ(traceparent_header_line(), "");
}

TEST(ScopedSpan, AParentIsContinuedAndChildrenNestOnTheThread) {
  auto caller = TraceContext::parse(kW3cExample);
  {
    ScopedSpan request("GET /x", SpanKind::server, caller);
    ASSERT_TRUE(request.active());
    EXPECT_EQ(request.context().trace_id, caller->trace_id);
    EXPECT_NE(request.context().span_id, caller->span_id);
    EXPECT_EQ(current_trace(), &request.context());
    {
      ScopedSpan child("db transaction", SpanKind::client);
      ASSERT_TRUE(child.active());
      EXPECT_EQ(child.context().trace_id, caller->trace_id);
      EXPECT_NE(child.context().span_id, request.context().span_id);
      EXPECT_EQ(traceparent_header_line(), "traceparent: " + child.context().traceparent());
    }
    EXPECT_EQ(current_trace(), &request.context()) << "the child gave the thread back";
    // Another thread has its own current span.
    const TraceContext* other = &request.context();
    std::thread([&] { other = current_trace(); }).join();
    EXPECT_EQ(other, nullptr);
  }
  EXPECT_EQ(current_trace(), nullptr);
}

TEST(OtlpJson, IsTheExportTraceServiceRequestShape) {
  SpanRecord s;
  s.trace_id = "4bf92f3577b34da6a3ce929d0e0e4736";
  s.span_id = "00f067aa0ba902b7";
  s.parent_span_id = "1111111111111111";
  s.name = "POST /api/v1/orders";
  s.kind = SpanKind::server;
  s.start_ns = 1'700'000'000'000'000'000;
  s.end_ns = 1'700'000'000'500'000'000;
  s.attributes = {{"http.route", std::string("/api/v1/orders")},
                  {"http.response.status_code", std::int64_t{201}},
                  {"db.rolled_back", true}};
  SpanRecord root = s;
  root.parent_span_id.clear();
  root.error = true;
  root.status_message = "HTTP 503";
  auto doc = json::parse(otlp_json({s, root}, "crema", "1.2.3")).as_object();
  const auto& rs = doc.at("resourceSpans").as_array().at(0).as_object();
  const auto& resource = rs.at("resource").at("attributes").as_array();
  EXPECT_EQ(resource.at(0).at("key"), "service.name");
  EXPECT_EQ(resource.at(0).at("value").at("stringValue"), "crema");
  EXPECT_EQ(resource.at(1).at("value").at("stringValue"), "1.2.3");
  const auto& scope = rs.at("scopeSpans").as_array().at(0).as_object();
  EXPECT_EQ(scope.at("scope").at("name"), "crema");
  const auto& spans = scope.at("spans").as_array();
  ASSERT_EQ(spans.size(), 2u);
  const auto& a = spans.at(0).as_object();
  EXPECT_EQ(a.at("traceId").as_string(), s.trace_id);
  EXPECT_EQ(a.at("spanId").as_string(), s.span_id);
  EXPECT_EQ(a.at("parentSpanId"), "1111111111111111");
  EXPECT_EQ(a.at("kind"), 2);
  EXPECT_EQ(a.at("startTimeUnixNano"), "1700000000000000000");  // 64-bit: a string
  EXPECT_EQ(a.at("endTimeUnixNano"), "1700000000500000000");
  const auto& attrs = a.at("attributes").as_array();
  EXPECT_EQ(attrs.at(0).at("value").at("stringValue"), "/api/v1/orders");
  EXPECT_EQ(attrs.at(1).at("value").at("intValue"), "201");
  EXPECT_EQ(attrs.at(2).at("value").at("boolValue"), true);
  EXPECT_EQ(a.at("status").at("code"), 0);
  const auto& b = spans.at(1).as_object();
  EXPECT_FALSE(b.contains("parentSpanId")) << "a root span has none";
  EXPECT_EQ(b.at("status").at("code"), 2);
  EXPECT_EQ(b.at("status").at("message"), "HTTP 503");
}

TEST(OtlpUrl, IsTheBaseUrlsTracesPath) {
  EXPECT_EQ(otlp_traces_url("http://jaeger:4318"), "http://jaeger:4318/v1/traces");
  EXPECT_EQ(otlp_traces_url("http://jaeger:4318/"), "http://jaeger:4318/v1/traces");
  EXPECT_EQ(otlp_traces_url("https://otel.example/v1/traces"), "https://otel.example/v1/traces");
  EXPECT_FALSE(otlp_traces_url("jaeger:4318"));
  EXPECT_FALSE(otlp_traces_url("grpc://jaeger:4317"));
  EXPECT_FALSE(otlp_traces_url("http://"));
}

// One test drives the process's exporter start to stop (it is one per process).
TEST(OtlpExporter, SendsBatchesAndDropsInsteadOfWaitingForAStuckCollector) {
  test::FakeHttpEndpoint collector([](const test::RecordedRequest&, int) {
    return test::FakeHttpEndpoint::Answer{200, "{}"};
  });
  auto& exporter = OtlpExporter::instance();
  OtlpOptions options;
  options.url = *otlp_traces_url(collector.url(""));
  options.interval = 50ms;
  exporter.start(options);
  ASSERT_TRUE(tracing_enabled());
  std::string trace_id;
  {
    ScopedSpan root("job");  // no parent: a new trace, as tracing is on
    ASSERT_TRUE(root.active());
    trace_id = root.context().trace_id;
    root.attr("crema.test", true);
  }
  ASSERT_TRUE(collector.wait_for(1, 10s));
  const auto sent = collector.requests().at(0);
  EXPECT_EQ(sent.target, "/v1/traces");
  EXPECT_NE(sent.body.find(trace_id), std::string::npos);
  // Counted once the collector's answer is in.
  for (int i = 0; i < 100 && exporter.exported() == 0; ++i) std::this_thread::sleep_for(50ms);
  EXPECT_GE(exporter.exported(), 1u);
  exporter.stop();
  EXPECT_FALSE(tracing_enabled());

  // A collector that never answers: the sender is stuck on its first batch, the queue fills,
  // and what comes next is dropped and counted — push never waits.
  test::FakeHttpEndpoint stuck([](const test::RecordedRequest&, int) {
    test::FakeHttpEndpoint::Answer a;
    a.hang = true;
    return a;
  });
  options.url = *otlp_traces_url(stuck.url(""));
  options.max_queued = 4;
  options.max_batch = 2;
  options.timeout = 1500ms;
  exporter.start(options);
  const auto dropped_before = exporter.dropped();
  for (int i = 0; i < 2; ++i) ScopedSpan("first batch");
  ASSERT_TRUE(stuck.wait_for(1, 10s)) << "the first batch is on its way";
  for (int i = 0; i < 20; ++i) ScopedSpan("while stuck");
  EXPECT_GE(exporter.dropped() - dropped_before, 16u);
  exporter.stop();  // bounded by the timeout, whatever is queued
}

}  // namespace
}  // namespace crema::obs
