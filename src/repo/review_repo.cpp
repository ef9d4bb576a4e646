#include "repo/review_repo.hpp"

#include "repo/params.hpp"
#include "repo/query.hpp"

namespace crema::repo {

namespace {

constexpr std::string_view kSelect =
    "SELECT r.id, r.product_id, r.customer_id, COALESCE(u.name, ''), r.rating, r.comment, "
    "r.status, r.flag_reason, r.flagged_by, r.version, r.created_at, r.updated_at, "
    "r.open_flags, "
    // verified_purchase, on read: always true to the orders as they are now (an order
    // completed after the review counts); a probe of the author's orders per row shown.
    "CASE WHEN EXISTS (SELECT 1 FROM orders o JOIN order_items i ON i.order_id = o.id "
    "WHERE o.customer_id = r.customer_id AND o.status IN ('completed', 'delivered') "
    "AND i.product_id = r.product_id) THEN 1 ELSE 0 END "
    "FROM reviews r LEFT JOIN users u ON u.id = r.customer_id ";

ReviewRow review_of(const db::Row& row) {
  ReviewRow r;
  r.id = row.text(0);
  r.product_id = row.text(1);
  r.customer_id = row.text(2);
  r.customer_name = row.text(3);
  r.rating = static_cast<int>(row.int64(4));
  r.comment = row.text(5);
  r.status =
      domain::kReviewStatuses.parse(row.text_view(6)).value_or(domain::ReviewStatus::visible);
  r.flag_reason = row.opt_text(7).value_or("");
  r.flagged_by = row.opt_text(8).value_or("");
  r.version = row.int64(9);
  r.created_at = row.int64(10);
  r.updated_at = row.int64(11);
  r.open_flags = row.int64(12);
  r.verified_purchase = row.int64(13) == 1;
  return r;
}

}  // namespace

void insert_review(db::Transaction& tx, const ReviewRow& r) {
  tx.exec(
      "INSERT INTO reviews (id, product_id, customer_id, rating, comment, status, version, "
      "created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
      {std::string_view(r.id), std::string_view(r.product_id), std::string_view(r.customer_id),
       static_cast<std::int64_t>(r.rating), std::string_view(r.comment), domain::name(r.status),
       r.version, r.created_at, r.updated_at});
}

std::optional<ReviewRow> find_review(db::Connection& conn, std::string_view id) {
  static const std::string sql = std::string(kSelect) + "WHERE r.id = $1";
  auto res = conn.exec(sql, {id});
  if (res.empty()) return std::nullopt;
  return review_of(res.front());
}

std::optional<ReviewRow> lock_review(db::Transaction& tx, std::string_view id) {
  if (tx.dialect() == db::Dialect::postgres)
    tx.exec("SELECT id FROM reviews WHERE id = $1 FOR UPDATE", {id});
  return find_review(tx.connection(), id);
}

bool review_exists(db::Connection& conn, std::string_view product_id,
                   std::string_view customer_id) {
  return !conn.exec("SELECT 1 FROM reviews WHERE product_id = $1 AND customer_id = $2",
                    {product_id, customer_id})
              .empty();
}

void update_review_status(db::Transaction& tx, const ReviewRow& r) {
  tx.exec(
      "UPDATE reviews SET status = $2, flag_reason = $3, flagged_by = $4, version = $5, "
      "updated_at = $6 WHERE id = $1",
      {std::string_view(r.id), domain::name(r.status), text_or_null(r.flag_reason),
       text_or_null(r.flagged_by), r.version, r.updated_at});
}

void update_review_content(db::Transaction& tx, const ReviewRow& r) {
  tx.exec(
      "UPDATE reviews SET rating = $2, comment = $3, status = $4, flag_reason = $5, "
      "flagged_by = $6, version = $7, updated_at = $8 WHERE id = $1",
      {std::string_view(r.id), static_cast<std::int64_t>(r.rating), std::string_view(r.comment),
       domain::name(r.status), text_or_null(r.flag_reason), text_or_null(r.flagged_by), r.version,
       r.updated_at});
}

void delete_review(db::Transaction& tx, std::string_view id) {
  tx.exec("DELETE FROM review_flags WHERE review_id = $1", {id});
  tx.exec("DELETE FROM reviews WHERE id = $1", {id});
}

bool add_review_flag(db::Transaction& tx, std::string_view review_id, std::string_view user_id,
                     std::string_view reason, std::int64_t now_ms) {
  // The review's row is locked: the same user's concurrent flags are serialised here.
  if (!tx.exec("SELECT 1 FROM review_flags WHERE review_id = $1 AND user_id = $2",
               {review_id, user_id})
           .empty())
    return false;
  tx.exec(
      "INSERT INTO review_flags (review_id, user_id, reason, created_at) VALUES ($1, $2, $3, $4)",
      {review_id, user_id, reason, now_ms});
  tx.exec(
      "UPDATE reviews SET open_flags = open_flags + 1, flag_reason = $2, flagged_by = $3 "
      "WHERE id = $1",
      {review_id, reason, user_id});
  return true;
}

void settle_review_flags(db::Transaction& tx, std::string_view review_id, std::int64_t now_ms) {
  tx.exec("UPDATE review_flags SET resolved_at = $2 WHERE review_id = $1 AND resolved_at IS NULL",
          {review_id, now_ms});
  tx.exec("UPDATE reviews SET open_flags = 0 WHERE id = $1", {review_id});
}

std::vector<ReviewRow> list_reviews(db::Connection& conn, const ReviewFilter& f) {
  SqlQuery q(conn.dialect(), std::string(kSelect));
  q.where_eq("r.product_id", f.product_id);
  if (f.status) q.where_eq("r.status", domain::name(*f.status));
  q.where_eq("r.customer_id", f.customer_id);
  if (f.reported) q.where("r.open_flags > 0");
  q.page("r.created_at", "r.id", f.before, SqlQuery::descending, f.limit);
  auto res = q.exec(conn);
  std::vector<ReviewRow> out;
  out.reserve(res.size());
  for (std::size_t i = 0; i < res.size(); ++i) out.push_back(review_of(res[i]));
  return out;
}

std::pair<std::int64_t, std::int64_t> refresh_product_rating(db::Transaction& tx,
                                                             std::string_view product_id) {
  auto res = tx.exec(
      "SELECT COUNT(*), COALESCE(SUM(rating), 0) FROM reviews "
      "WHERE product_id = $1 AND status = 'visible'",
      {product_id});
  const std::int64_t count = res.front().int64(0);
  const std::int64_t sum = res.front().int64(1);
  // Exact integer average × 1000, rounded half up.
  const std::int64_t avg_milli = count == 0 ? 0 : (sum * 1000 * 2 + count) / (2 * count);
  tx.exec("UPDATE products SET rating_avg_milli = $2, rating_count = $3 WHERE id = $1",
          {product_id, avg_milli, count});
  return {avg_milli, count};
}

namespace {

constexpr std::string_view kFeedbackSelect =
    "SELECT f.id, f.order_id, o.order_number, f.customer_id, COALESCE(u.name, ''), f.rating, "
    "f.comment, f.created_at FROM order_feedback f JOIN orders o ON o.id = f.order_id "
    "LEFT JOIN users u ON u.id = f.customer_id";

FeedbackRow feedback_of(const db::Row& row) {
  FeedbackRow f;
  f.id = row.text(0);
  f.order_id = row.text(1);
  f.order_number = row.text(2);
  f.customer_id = row.text(3);
  f.customer_name = row.text(4);
  f.rating = static_cast<int>(row.int64(5));
  f.comment = row.text(6);
  f.created_at = row.int64(7);
  return f;
}

}  // namespace

bool insert_feedback(db::Transaction& tx, const FeedbackRow& f) {
  // The UNIQUE order_id settles two concurrent first ratings: one row, the other is told.
  return tx.exec(
               "INSERT INTO order_feedback (id, order_id, customer_id, rating, comment, "
               "created_at) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (order_id) DO NOTHING",
               {std::string_view(f.id), std::string_view(f.order_id),
                std::string_view(f.customer_id), static_cast<std::int64_t>(f.rating),
                std::string_view(f.comment), f.created_at})
             .affected() == 1;
}

std::optional<FeedbackRow> find_feedback_of_order(db::Connection& conn, std::string_view order_id) {
  static const std::string sql = std::string(kFeedbackSelect) + " WHERE f.order_id = $1";
  auto res = conn.exec(sql, {order_id});
  if (res.empty()) return std::nullopt;
  return feedback_of(res.front());
}

std::vector<FeedbackRow> list_feedback(db::Connection& conn, const FeedbackFilter& f) {
  SqlQuery q(conn.dialect(), std::string(kFeedbackSelect));
  if (f.rating) q.where("f.rating = " + q.param(static_cast<std::int64_t>(*f.rating)));
  q.where_eq("f.customer_id", f.customer_id);
  if (f.from_ms) q.where("f.created_at >= " + q.param(*f.from_ms));
  if (f.to_ms) q.where("f.created_at < " + q.param(*f.to_ms));
  q.page("f.created_at", "f.id", f.before, SqlQuery::descending, f.limit);
  auto res = q.exec(conn);
  std::vector<FeedbackRow> out;
  out.reserve(res.size());
  for (std::size_t i = 0; i < res.size(); ++i) out.push_back(feedback_of(res[i]));
  return out;
}

}  // namespace crema::repo

namespace crema::repo {
std::optional<bool> product_is_active(db::Connection& conn, std::string_view product_id) {
  auto res = conn.exec("SELECT is_active FROM products WHERE id = $1", {product_id});
  if (res.empty()) return std::nullopt;
  return res.front().boolean(0);
}

std::optional<bool> lock_product_for_rating(db::Transaction& tx, std::string_view product_id) {
  auto res = tx.exec(tx.dialect() == db::Dialect::postgres
                         ? "SELECT is_active FROM products WHERE id = $1 FOR UPDATE"
                         : "SELECT is_active FROM products WHERE id = $1",
                     {product_id});
  if (res.empty()) return std::nullopt;
  return res.front().boolean(0);
}
}  // namespace crema::repo
