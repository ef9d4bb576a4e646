#include <boost/json.hpp>

#include "api/actor.hpp"
#include "api/enum_lists.hpp"
#include "api/fulfil_routes.hpp"
#include "api/input.hpp"
#include "api/pagination.hpp"
#include "repo/inventory_repo.hpp"
#include "repo/keyset.hpp"
#include "service/review_service.hpp"
#include "util/uuid.hpp"

namespace crema::api {

namespace json = boost::json;
using http::Method;
using http::Request;
using http::Response;

namespace {

constexpr std::string_view kReviewTag = "reviews";

bool moderator(const Request& req) { return req.principal && req.principal->is_manager_plus(); }

Response review_response(int status, const repo::ReviewRow& r, bool mod) {
  return Response::json(status, service::review_json(r, mod));
}

// limit/cursor → filter; problems on `query`.
void read_review_page(Query& query, repo::ReviewFilter& f) {
  auto page = keyset_page(query);
  f.limit = page.limit;
  f.before = std::move(page.after);
}

Response review_page_response(service::Page<repo::ReviewRow, repo::Keyset> page, bool mod) {
  return Response::json(200, keyset_page_body(std::move(page), [mod](const repo::ReviewRow& r) {
                          return service::review_json(r, mod);
                        }));
}

Response create_review(Request& req, FulfilContext& ctx) {
  auto id = path_uuid(req);
  Input in(req.json);
  auto rating = in.integer("rating", Need::required, 1, 5);
  auto comment = in.text("comment", Need::optional, 0, service::kMaxReviewComment);
  if (!id)
    return Response::from(ErrorCode::not_found, "No product " + std::string(req.param("id")) + ".");
  if (!in.ok()) return Response::from(in.error());
  auto r = ctx.reviews->create(actor_of(req), *id, static_cast<int>(*rating), comment.value_or(""));
  if (!r) return Response::from(std::move(r).error());
  auto res = review_response(201, *r, false);
  res.header("Location", "/api/v1/reviews/" + r->id);
  return res;
}

Response list_product_reviews(Request& req, FulfilContext& ctx) {
  auto id = path_uuid(req);
  Query query(req);
  repo::ReviewFilter f;
  read_review_page(query, f);
  if (!id)
    return Response::from(ErrorCode::not_found, "No product " + std::string(req.param("id")) + ".");
  if (!query.ok()) return Response::from(query.error());
  auto page = ctx.reviews->list_visible(*id, std::move(f));
  if (!page) return Response::from(std::move(page).error());
  return review_page_response(std::move(*page), false);
}

Response list_reviews(Request& req, FulfilContext& ctx) {
  Query query(req);
  repo::ReviewFilter f;
  if (auto s = query.one_of("status", enum_list("review_status")))
    f.status = domain::kReviewStatuses.parse(*s);
  f.reported = query.boolean("reported").value_or(false);
  if (auto p = query.text("product_id", 36)) {
    if (util::is_uuid(*p)) {
      f.product_id = repo::lower_ascii(*p);
    } else {
      query.issue("product_id", "must be a UUID");
    }
  }
  read_review_page(query, f);
  if (!query.ok()) return Response::from(query.error());
  return review_page_response(ctx.reviews->list(std::move(f)), true);
}

Response flag_review(Request& req, FulfilContext& ctx) {
  auto id = path_uuid(req);
  Input in(req.json);
  auto reason = in.text("reason", Need::required, 1, 500);
  if (!id)
    return Response::from(ErrorCode::not_found, "No review " + std::string(req.param("id")) + ".");
  if (!in.ok()) return Response::from(in.error());
  auto r = ctx.reviews->flag(actor_of(req), *id, *reason);
  if (!r) return Response::from(std::move(r).error());
  return review_response(200, *r, moderator(req));
}

Response set_review_status(Request& req, FulfilContext& ctx) {
  auto id = path_uuid(req);
  Input in(req.json);
  auto version = expected_version(req, in);
  auto status = in.one_of("status", Need::required, enum_list("review_status"));
  if (!id)
    return Response::from(ErrorCode::not_found, "No review " + std::string(req.param("id")) + ".");
  if (!in.ok()) return Response::from(in.error());
  auto r =
      ctx.reviews->set_status(actor_of(req), *id, *domain::kReviewStatuses.parse(*status), version);
  if (!r) return Response::from(std::move(r).error());
  return review_response(200, *r, true);
}

Response edit_review(Request& req, FulfilContext& ctx) {
  auto id = path_uuid(req);
  Input in(req.json);
  auto version = expected_version(req, in);
  auto rating = in.integer("rating", Need::optional, 1, 5);
  auto comment = in.text("comment", Need::optional, 0, service::kMaxReviewComment);
  if (in.ok() && !in.has("rating") && !in.has("comment"))
    in.issue("rating", "give a rating or a comment to change");
  if (!id)
    return Response::from(ErrorCode::not_found, "No review " + std::string(req.param("id")) + ".");
  if (!in.ok()) return Response::from(in.error());
  std::optional<int> new_rating;
  if (rating) new_rating = static_cast<int>(*rating);
  auto r = ctx.reviews->edit(actor_of(req), *id, new_rating, std::move(comment), version);
  if (!r) return Response::from(std::move(r).error());
  return review_response(200, *r, false);
}

Response delete_review(Request& req, FulfilContext& ctx) {
  auto id = path_uuid(req);
  if (!id)
    return Response::from(ErrorCode::not_found, "No review " + std::string(req.param("id")) + ".");
  auto out = ctx.reviews->remove(actor_of(req), *id);
  if (!out) return Response::from(std::move(out).error());
  return Response::no_content();
}

Response give_feedback(Request& req, FulfilContext& ctx) {
  auto id = path_uuid(req);
  Input in(req.json);
  auto rating = in.integer("rating", Need::required, 1, 5);
  auto comment = in.text("comment", Need::optional, 0, service::kMaxReviewComment);
  if (!id)
    return Response::from(ErrorCode::not_found, "No order " + std::string(req.param("id")) + ".");
  if (!in.ok()) return Response::from(in.error());
  auto f = ctx.reviews->give_feedback(actor_of(req), *id, static_cast<int>(*rating),
                                      comment.value_or(""));
  if (!f) return Response::from(std::move(f).error());
  return Response::json(201, service::feedback_json(*f));
}

Response list_feedback(Request& req, FulfilContext& ctx) {
  Query query(req);
  repo::FeedbackFilter f;
  if (auto r = query.integer("rating", 1, 5)) f.rating = static_cast<int>(*r);
  f.from_ms = query.bound("from", ctx.timezone, false);
  f.to_ms = query.bound("to", ctx.timezone, true);
  auto page = keyset_page(query);
  f.limit = page.limit;
  f.before = std::move(page.after);
  if (!query.ok()) return Response::from(query.error());
  return Response::json(200, keyset_page_body(ctx.reviews->list_feedback(std::move(f)),
                                              [](const repo::FeedbackRow& row) {
                                                return service::feedback_json(row);
                                              }));
}

void add_review_schemas(OpenApi& openapi) {
  openapi.add_schema("Review", R"json({
    "type": "object",
    "required": ["id", "product_id", "customer_id", "customer_name", "rating", "comment", "status", "verified_purchase", "created_at"],
    "properties": {
      "id": {"type": "string", "format": "uuid"},
      "product_id": {"type": "string", "format": "uuid"},
      "customer_id": {"type": "string", "format": "uuid"},
      "customer_name": {"type": "string"},
      "rating": {"type": "integer", "minimum": 1, "maximum": 5},
      "comment": {"type": "string", "maxLength": 2000, "description": "free text, returned as given inside JSON only"},
      "status": {"type": "string", "enum": "$review_status"},
      "verified_purchase": {"type": "boolean", "description": "the author has a completed (or delivered) order with this product; worked out when the review is read, so an order completed after the review counts"},
      "created_at": {"type": "string", "format": "date-time"},
      "flag_reason": {"type": ["string", "null"], "description": "managers and admins only"},
      "flagged_by": {"type": ["string", "null"], "description": "managers and admins only"},
      "open_flags": {"type": "integer", "minimum": 0, "description": "managers and admins only: users' flags no moderator has settled yet (three hide the review)"},
      "version": {"type": "integer", "description": "managers and admins only"},
      "updated_at": {"type": "string", "format": "date-time", "description": "managers and admins only"}
    }
  })json");
  openapi.add_page_schema("ReviewPage", "Review");
  openapi.add_schema("ReviewInput", R"json({
    "type": "object", "required": ["rating"],
    "properties": {
      "rating": {"type": "integer", "minimum": 1, "maximum": 5},
      "comment": {"type": "string", "maxLength": 2000}
    }
  })json");
  openapi.add_schema("ReviewEdit", R"json({
    "type": "object",
    "description": "a partial update: fields left out keep their values; at least one of rating and comment",
    "properties": {
      "rating": {"type": "integer", "minimum": 1, "maximum": 5},
      "comment": {"type": "string", "maxLength": 2000},
      "version": {"type": "integer", "minimum": 1, "description": "or If-Match; a stale one is 409 version_conflict"}
    }
  })json");
  openapi.add_schema("OrderFeedback", R"json({
    "type": "object",
    "required": ["id", "order_id", "order_number", "customer_id", "customer_name", "rating", "comment", "created_at"],
    "properties": {
      "id": {"type": "string", "format": "uuid"},
      "order_id": {"type": "string", "format": "uuid"},
      "order_number": {"type": "string"},
      "customer_id": {"type": "string", "format": "uuid"},
      "customer_name": {"type": "string"},
      "rating": {"type": "integer", "minimum": 1, "maximum": 5},
      "comment": {"type": "string", "maxLength": 2000, "description": "free text, returned as given inside JSON only"},
      "created_at": {"type": "string", "format": "date-time"}
    }
  })json");
  openapi.add_page_schema("OrderFeedbackPage", "OrderFeedback");
  openapi.add_schema("OrderFeedbackInput", R"json({
    "type": "object", "required": ["rating"],
    "properties": {
      "rating": {"type": "integer", "minimum": 1, "maximum": 5},
      "comment": {"type": "string", "maxLength": 2000}
    }
  })json");
  openapi.add_schema("ReviewFlag", R"json({
    "type": "object", "required": ["reason"],
    "properties": {"reason": {"type": "string", "minLength": 1, "maxLength": 500}}
  })json");
  openapi.add_schema("ReviewStatusChange", R"json({
    "type": "object", "required": ["status"],
    "properties": {
      "status": {"type": "string", "enum": "$review_status"},
      "version": {"type": "integer", "minimum": 1}
    }
  })json");
}

}  // namespace

void register_review_routes(http::Router& router, OpenApi& openapi,
                            std::shared_ptr<FulfilContext> ctx) {
  add_review_schemas(openapi);
  auto with = [ctx](auto fn) { return [ctx, fn](Request& req) { return fn(req, *ctx); }; };
  using auth::Role;
  const std::vector<http::QueryDoc> page_query = {
      {.name = "limit", .type = "integer", .description = "1 to 200, default 50"},
      {.name = "cursor", .description = "next_cursor of the previous page"}};
  router.add({.method = Method::post,
              .pattern = "/api/v1/products/{id}/reviews",
              .handler = with(create_review),
              .access = auth::Access::roles_of({Role::customer}),
              .body = http::BodyKind::json,
              .doc = {.summary = "Review a product (customers; one review per product)",
                      .tag = kReviewTag,
                      .request_schema = "ReviewInput",
                      .response_schema = "Review",
                      .success_status = 201,
                      .errors = {409, 422}}});
  router.add({.method = Method::get,
              .pattern = "/api/v1/products/{id}/reviews",
              .handler = with(list_product_reviews),
              .doc = {.summary = "A product's visible reviews, newest first",
                      .tag = kReviewTag,
                      .response_schema = "ReviewPage",
                      .query = page_query}});
  auto queue_query = page_query;
  queue_query.push_back({.name = "status", .values = enum_list("review_status")});
  queue_query.push_back({.name = "product_id", .description = "one product's reviews"});
  queue_query.push_back({.name = "reported",
                         .type = "boolean",
                         .description = "true: only reviews with flags no moderator has settled"});
  router.add({.method = Method::get,
              .pattern = "/api/v1/reviews",
              .handler = with(list_reviews),
              .access = auth::Access::manager_plus(),
              .doc = {.summary = "Reviews for moderation (`?status=flagged`: the queue)",
                      .tag = kReviewTag,
                      .response_schema = "ReviewPage",
                      .query = queue_query}});
  router.add(
      {.method = Method::post,
       .pattern = "/api/v1/reviews/{id}/flag",
       .handler = with(flag_review),
       .access = auth::Access::any_user(),
       .body = http::BodyKind::json,
       .doc = {.summary = "Flag a review for moderation (any signed-in user)",
               .description = "Each user flags a review once (again: 409 duplicate). The review "
                              "stays visible until three different users have flagged it or a "
                              "moderator acts; a manager's or admin's flag hides it at once.",
               .tag = kReviewTag,
               .request_schema = "ReviewFlag",
               .response_schema = "Review",
               .errors = {409, 422}}});
  router.add({.method = Method::put,
              .pattern = "/api/v1/reviews/{id}/status",
              .handler = with(set_review_status),
              .access = auth::Access::manager_plus(),
              .body = http::BodyKind::json,
              .doc = {.summary = "Moderate a review: visible, flagged or hidden",
                      .tag = kReviewTag,
                      .request_schema = "ReviewStatusChange",
                      .response_schema = "Review",
                      .errors = {409, 422},
                      .headers = {"If-Match"}}});
  router.add(
      {.method = Method::put,
       .pattern = "/api/v1/reviews/{id}",
       .handler = with(edit_review),
       .access = auth::Access::any_user(),
       .body = http::BodyKind::json,
       .doc = {.summary = "Edit your own review (partial: rating, comment)",
               .description =
                   "Only its author (anyone else: 404). The edit settles the users' open flags "
                   "and a review they had flagged is visible again; a moderator's decision "
                   "stands (a hidden review stays hidden, one a moderator flagged stays "
                   "flagged). The product's rating follows.",
               .tag = kReviewTag,
               .request_schema = "ReviewEdit",
               .response_schema = "Review",
               .errors = {404, 409, 422},
               .headers = {"If-Match"}}});
  router.add({.method = Method::del,
              .pattern = "/api/v1/reviews/{id}",
              .handler = with(delete_review),
              .access = auth::Access::any_user(),
              .doc = {.summary = "Delete your own review (anyone else: 404)",
                      .tag = kReviewTag,
                      .success_status = 204,
                      .errors = {404}}});
  router.add({.method = Method::post,
              .pattern = "/api/v1/orders/{id}/feedback",
              .handler = with(give_feedback),
              .access = auth::Access::roles_of({Role::customer}),
              .body = http::BodyKind::json,
              .doc = {.summary = "Rate your completed order, once",
                      .description = "The order's customer, once the order is completed (or "
                                     "delivered): otherwise 409 conflict; a second rating 409 "
                                     "duplicate; another customer's order 404.",
                      .tag = kReviewTag,
                      .request_schema = "OrderFeedbackInput",
                      .response_schema = "OrderFeedback",
                      .success_status = 201,
                      .errors = {404, 409, 422}}});
  auto feedback_query = page_query;
  feedback_query.push_back({.name = "rating", .type = "integer", .description = "1 to 5"});
  feedback_query.push_back(
      {.name = "from",
       .description = "RFC 3339 time, or YYYY-MM-DD (start of that day in CREMA_TIMEZONE)"});
  feedback_query.push_back(
      {.name = "to",
       .description = "RFC 3339 time (exclusive), or YYYY-MM-DD (that whole day included)"});
  router.add({.method = Method::get,
              .pattern = "/api/v1/feedback",
              .handler = with(list_feedback),
              .access = auth::Access::manager_plus(),
              .doc = {.summary = "Customers' ratings of their orders, newest first",
                      .tag = kReviewTag,
                      .response_schema = "OrderFeedbackPage",
                      .query = feedback_query}});
}

void register_fulfil_routes(http::Router& router, OpenApi& openapi,
                            std::shared_ptr<FulfilContext> ctx) {
  register_review_routes(router, openapi, ctx);
  register_delivery_routes(router, openapi, ctx);
  register_event_routes(router, openapi, ctx);
}

}  // namespace crema::api
