#pragma once
/// SQL of product reviews (SPEC §11) and of the product rating they keep.

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "db/pool.hpp"
#include "domain/statuses.hpp"
#include "repo/keyset.hpp"

namespace crema::repo {

struct ReviewRow {
  std::string id, product_id, customer_id, customer_name;
  int rating = 0;
  std::string comment;
  domain::ReviewStatus status = domain::ReviewStatus::visible;
  std::string flag_reason, flagged_by;  ///< the latest flag's
  std::int64_t open_flags = 0;          ///< flags a moderator has not settled yet
  /// Computed on every read: the author has a completed (or delivered) order with the product.
  bool verified_purchase = false;
  std::int64_t version = 1;
  std::int64_t created_at = 0, updated_at = 0;
};

struct ReviewFilter {
  std::optional<std::string> product_id;
  std::optional<domain::ReviewStatus> status;
  std::optional<std::string> customer_id;
  bool reported = false;  ///< only reviews with open flags
  /// Keyset: rows strictly before (created_at, id), newest first.
  std::optional<repo::Keyset> before;
  int limit = 50;
};

void insert_review(db::Transaction& tx, const ReviewRow& r);
std::optional<ReviewRow> find_review(db::Connection& conn, std::string_view id);
/// The review locked for update (PostgreSQL: FOR UPDATE; SQLite's writer is alone).
std::optional<ReviewRow> lock_review(db::Transaction& tx, std::string_view id);
/// Whether the customer already reviewed the product.
bool review_exists(db::Connection& conn, std::string_view product_id, std::string_view customer_id);
void update_review_status(db::Transaction& tx, const ReviewRow& r);
/// The author's edit: rating, comment, status, flag_reason, flagged_by, version, updated_at.
void update_review_content(db::Transaction& tx, const ReviewRow& r);
/// Deletes the review and its flags.
void delete_review(db::Transaction& tx, std::string_view id);
/// Records `user_id`'s flag on the review and counts it (open_flags, and the latest reason
/// and flagger); false, changing nothing, when that user flagged it before.
bool add_review_flag(db::Transaction& tx, std::string_view review_id, std::string_view user_id,
                     std::string_view reason, std::int64_t now_ms);
/// A moderator acted: the review's open flags are settled (and no longer counted).
void settle_review_flags(db::Transaction& tx, std::string_view review_id, std::int64_t now_ms);
/// Up to filter.limit + 1 rows, newest first.
std::vector<ReviewRow> list_reviews(db::Connection& conn, const ReviewFilter& filter);

/// Recomputes the product's rating_avg_milli / rating_count from its visible reviews (call
/// with the product row locked); returns {avg_milli, count}.
std::pair<std::int64_t, std::int64_t> refresh_product_rating(db::Transaction& tx,
                                                             std::string_view product_id);

/// Order feedback (SPEC §15.5): one rating of a completed order by its customer.
struct FeedbackRow {
  std::string id, order_id, order_number, customer_id, customer_name;
  int rating = 0;
  std::string comment;
  std::int64_t created_at = 0;
};

struct FeedbackFilter {
  std::optional<int> rating;
  std::optional<std::int64_t> from_ms;  ///< created_at >= from_ms
  std::optional<std::int64_t> to_ms;    ///< created_at < to_ms
  std::optional<std::string> customer_id;
  std::optional<repo::Keyset> before;
  int limit = 50;
};

/// Inserts the feedback unless its order has one already (then false, nothing written).
bool insert_feedback(db::Transaction& tx, const FeedbackRow& f);
std::optional<FeedbackRow> find_feedback_of_order(db::Connection& conn, std::string_view order_id);
/// Newest first, up to filter.limit + 1 rows.
std::vector<FeedbackRow> list_feedback(db::Connection& conn, const FeedbackFilter& filter);

}  // namespace crema::repo

namespace crema::repo {
/// Whether the product is active; nullopt for no such product (no lock: for reads).
std::optional<bool> product_is_active(db::Connection& conn, std::string_view product_id);
/// Locks the product's row (PostgreSQL: FOR UPDATE) — the order every review change takes,
/// so the rating recount sees every committed review. Nothing when there is no such
/// product; otherwise whether it is active.
std::optional<bool> lock_product_for_rating(db::Transaction& tx, std::string_view product_id);
}  // namespace crema::repo
