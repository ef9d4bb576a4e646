#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "net/http_types.hpp"
#include "util/error.hpp"

namespace crema {
namespace {

TEST(ErrorTable, EveryCodeMapsToTheSpecStatus) {
  EXPECT_EQ(http_status(ErrorCode::bad_request), 400);
  EXPECT_EQ(http_status(ErrorCode::unauthorized), 401);
  EXPECT_EQ(http_status(ErrorCode::forbidden), 403);
  EXPECT_EQ(http_status(ErrorCode::not_found), 404);
  EXPECT_EQ(http_status(ErrorCode::method_not_allowed), 405);
  EXPECT_EQ(http_status(ErrorCode::conflict), 409);
  EXPECT_EQ(http_status(ErrorCode::version_conflict), 409);
  EXPECT_EQ(http_status(ErrorCode::invalid_transition), 409);
  EXPECT_EQ(http_status(ErrorCode::out_of_stock), 409);
  EXPECT_EQ(http_status(ErrorCode::duplicate), 409);
  EXPECT_EQ(http_status(ErrorCode::shop_closed), 409);
  EXPECT_EQ(http_status(ErrorCode::slot_full), 409);
  EXPECT_EQ(code_name(ErrorCode::shop_closed), "shop_closed");
  EXPECT_EQ(code_name(ErrorCode::slot_full), "slot_full");
  EXPECT_EQ(http_status(ErrorCode::invalid_token), 400);
  EXPECT_EQ(http_status(ErrorCode::email_not_verified), 403);
  EXPECT_EQ(http_status(ErrorCode::two_factor_required), 403);
  EXPECT_EQ(http_status(ErrorCode::payload_too_large), 413);
  EXPECT_EQ(http_status(ErrorCode::unsupported_media_type), 415);
  EXPECT_EQ(http_status(ErrorCode::validation_failed), 422);
  EXPECT_EQ(http_status(ErrorCode::rate_limited), 429);
  EXPECT_EQ(http_status(ErrorCode::unavailable), 503);
  EXPECT_EQ(http_status(ErrorCode::internal), 500);
}

TEST(ErrorTable, CodeNamesAreTheWireNames) {
  EXPECT_EQ(code_name(ErrorCode::validation_failed), "validation_failed");
  EXPECT_EQ(code_name(ErrorCode::payload_too_large), "payload_too_large");
  EXPECT_EQ(code_name(ErrorCode::unsupported_media_type), "unsupported_media_type");
  EXPECT_EQ(code_name(ErrorCode::out_of_stock), "out_of_stock");
  EXPECT_EQ(code_name(ErrorCode::invalid_token), "invalid_token");
  EXPECT_EQ(code_name(ErrorCode::email_not_verified), "email_not_verified");
  EXPECT_EQ(code_name(ErrorCode::two_factor_required), "two_factor_required");
  EXPECT_FALSE(default_message(ErrorCode::internal).empty());
}

TEST(ErrorTable, ExtraMembersAreRenderedBesideTheCode) {
  auto e = Error::make(ErrorCode::shop_closed, "Closed.");
  e.extra.emplace_back("next_open_at", "2026-12-08T07:00:00Z");
  auto body = boost::json::parse(http::render_error(e, "rid")).as_object().at("error").as_object();
  EXPECT_EQ(body.at("code"), "shop_closed");
  EXPECT_EQ(body.at("next_open_at"), "2026-12-08T07:00:00Z");
  EXPECT_EQ(body.at("request_id"), "rid");
  e.extra = {{"next_open_at", std::nullopt}};
  body = boost::json::parse(http::render_error(e, "rid")).as_object().at("error").as_object();
  EXPECT_TRUE(body.at("next_open_at").is_null()) << "paused until resumed: not known";
}

TEST(ResultType, HoldsValueOrError) {
  Result<int> ok = 42;
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(*ok, 42);
  Result<int> bad = Error::make(ErrorCode::not_found, "no such order");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, ErrorCode::not_found);
  Result<void> v;
  EXPECT_TRUE(v.ok());
  Result<void> ve = Error::make(ErrorCode::conflict, "x");
  EXPECT_FALSE(ve.ok());
}

}  // namespace
}  // namespace crema
