#pragma once
/// Product reviews (SPEC §11): one per customer per product (409 duplicate), rating 1–5, a
/// comment of at most 2000 characters; flagging by any signed-in user, moderation by
/// managers and admins (audited). Every change recounts the product's rating_avg /
/// rating_count over visible reviews in its own transaction, under the product's row lock,
/// and publishes `menu_updated` after the commit (the menu shows the rating).

#include <cstdint>
#include <optional>
#include <string>
#include <utility>

#include <boost/json/object.hpp>

#include "db/pool.hpp"
#include "repo/keyset.hpp"
#include "repo/review_repo.hpp"
#include "service/actor.hpp"
#include "service/page.hpp"
#include "util/error.hpp"

namespace crema::events {
class Bus;
}

namespace crema::service {

/// The Review of SPEC §11 (with §15.5's verified_purchase); `moderator` adds flag_reason,
/// flagged_by, open_flags, version and updated_at.
boost::json::object review_json(const repo::ReviewRow& r, bool moderator);

/// Order feedback (SPEC §15.5) as GET /feedback and POST /orders/{id}/feedback answer it.
boost::json::object feedback_json(const repo::FeedbackRow& f);

inline constexpr std::size_t kMaxReviewComment = 2000;
/// How many different users' flags hide a review until a moderator looks at it.
inline constexpr std::int64_t kFlagsToHide = 3;

class ReviewService {
 public:
  ReviewService(db::Pool& pool, const events::Bus& bus) : pool_(pool), bus_(bus) {}

  /// POST /products/{id}/reviews (customers): 404 unknown or inactive product, 409 duplicate.
  crema::Result<repo::ReviewRow> create(const Actor& actor, const std::string& product_id,
                                        int rating, const std::string& comment);
  /// GET /products/{id}/reviews: visible ones, newest first; 404 unknown or inactive product.
  crema::Result<Page<repo::ReviewRow, repo::Keyset>> list_visible(const std::string& product_id,
                                                                  repo::ReviewFilter filter);
  /// GET /reviews (managers, admins): the moderation queue and any other status.
  Page<repo::ReviewRow, repo::Keyset> list(repo::ReviewFilter filter);
  /// POST /reviews/{id}/flag. A customer's (or staff's, or driver's) flag is counted once per
  /// user (a second one: 409 duplicate); the review stays visible until kFlagsToHide
  /// different users have flagged it (then visible → flagged) or a moderator acts. A
  /// manager's or admin's flag is a moderator's: visible → flagged at once (already flagged:
  /// unchanged). A hidden review is 404 for those who may not moderate, 409 for those who may.
  crema::Result<repo::ReviewRow> flag(const Actor& actor, const std::string& id,
                                      const std::string& reason);
  /// PUT /reviews/{id}/status (managers, admins): 404, 409 version_conflict. Settles the
  /// review's open flags, whatever the status.
  crema::Result<repo::ReviewRow> set_status(const Actor& actor, const std::string& id,
                                            domain::ReviewStatus status,
                                            std::optional<std::int64_t> expected_version);

  /// PUT /reviews/{id} (its author; anyone else: 404): a partial edit of rating and comment
  /// (409 version_conflict). The edit settles the users' open flags (they were about the old
  /// text) and a review they had flagged is visible again; a moderator's decision stands: a
  /// hidden review stays hidden and one a moderator flagged stays flagged.
  crema::Result<repo::ReviewRow> edit(const Actor& actor, const std::string& id,
                                      std::optional<int> rating, std::optional<std::string> comment,
                                      std::optional<std::int64_t> expected_version);
  /// DELETE /reviews/{id} (its author; anyone else: 404): the review and its flags go.
  crema::Result<void> remove(const Actor& actor, const std::string& id);

  /// POST /orders/{id}/feedback: the order's customer rates it once (404 not theirs or no
  /// such order, 409 conflict when it is not completed or delivered, 409 duplicate again).
  crema::Result<repo::FeedbackRow> give_feedback(const Actor& actor, const std::string& order_id,
                                                 int rating, const std::string& comment);
  /// GET /feedback (managers, admins): newest first, by rating and time.
  Page<repo::FeedbackRow, repo::Keyset> list_feedback(repo::FeedbackFilter filter);

 private:
  db::Pool& pool_;
  const events::Bus& bus_;
};

}  // namespace crema::service
