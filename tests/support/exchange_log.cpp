#include "support/exchange_log.hpp"

#include <atomic>
#include <fstream>
#include <memory>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "support/decompress.hpp"
#include "util/json_text.hpp"

namespace crema::test {

namespace json = boost::json;

namespace {

std::atomic<ExchangeLog*> g_log{nullptr};

// The gtest test running now ("Suite.Name"), or the suite being set up.
std::string current_test() {
  auto* unit = ::testing::UnitTest::GetInstance();
  if (const auto* info = unit->current_test_info())
    return std::string(info->test_suite_name()) + "." + info->name();
  if (const auto* suite = unit->current_test_suite())
    return std::string(suite->name()) + ".(suite)";
  return "(global)";
}

bool textual(std::string_view content_type) {
  return is_json_content_type(content_type) || content_type.rfind("text/", 0) == 0;
}

}  // namespace

void ExchangeLog::start(std::string path) {
  { std::ofstream truncate(path, std::ios::trunc); }
  static std::unique_ptr<ExchangeLog> log;
  log.reset(new ExchangeLog(std::move(path)));
  g_log.store(log.get());
}

ExchangeLog* ExchangeLog::active() noexcept { return g_log.load(); }

void ExchangeLog::stop() noexcept { g_log.store(nullptr); }

std::size_t ExchangeLog::count() const {
  std::lock_guard lock(mutex_);
  return count_;
}

void ExchangeLog::record(std::string_view method, std::string_view target,
                         const std::vector<std::pair<std::string, std::string>>& headers,
                         const HttpResponse& response) {
  json::object line{{"test", current_test()},
                    {"method", method},
                    {"target", target},
                    {"status", response.status}};
  const std::string content_type = response.header("Content-Type");
  const std::string coding = response.header("Content-Encoding");
  line["content_type"] = content_type;
  line["content_encoding"] = coding;
  line["body_bytes"] = response.body.size();
  if (response.body.empty()) {
    line["body"] = "";  // HEAD, 204, 304: nothing to decode
  } else if (textual(content_type)) {
    if (auto plain = decode_body(coding, response.body)) {
      line["body"] = std::move(*plain);
    } else {
      line["undecodable"] = true;
    }
  }
  json::array sent;
  for (const auto& [name, value] : headers)
    for (std::string_view h : {"Idempotency-Key", "If-Match", "If-None-Match"})
      if (iequals(name, h)) sent.emplace_back(h);
  line["request_headers"] = std::move(sent);
  std::string text = util::to_json(line);
  text += '\n';
  std::lock_guard lock(mutex_);
  std::ofstream out(path_, std::ios::app | std::ios::binary);
  out << text;
  ++count_;
}

}  // namespace crema::test
