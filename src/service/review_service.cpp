#include "service/review_service.hpp"

#include <boost/json.hpp>

#include "events/bus.hpp"
#include "repo/keyset.hpp"
#include "service/audit.hpp"
#include "service/outbox.hpp"
#include "service/write_tx.hpp"
#include "util/time.hpp"
#include "util/uuid.hpp"

namespace crema::service {

namespace json = boost::json;
using domain::ReviewStatus;

namespace {

crema::Error no_such_review(const std::string& id) {
  return crema::Error::make(ErrorCode::not_found, "No review " + id + ".");
}
crema::Error no_such_product(const std::string& id) {
  return crema::Error::make(ErrorCode::not_found, "No product " + id + ".");
}

// The product's rating_avg/rating_count over its visible reviews, recounted in the review's
// transaction; partners subscribed to `menu_updated` hear of it through the outbox, and the
// menu (which shows them) is rebuilt on every instance after the commit.
void recount_rating(UnitOfWork& work, const std::string& product_id) {
  repo::refresh_product_rating(work.tx(), product_id);
  enqueue_webhook_event(work.tx(), "menu_updated",
                        json::object{{"product_ids", json::array{json::value(product_id)}}});
  work.menu_changed(product_id);
}

}  // namespace

json::object review_json(const repo::ReviewRow& r, bool moderator) {
  json::object o{{"id", r.id},
                 {"product_id", r.product_id},
                 {"customer_id", r.customer_id},
                 {"customer_name", r.customer_name},
                 {"rating", r.rating},
                 {"comment", r.comment},
                 {"status", domain::name(r.status)},
                 {"created_at", util::format_rfc3339(r.created_at)}};
  if (moderator) {
    o["flag_reason"] = r.flag_reason.empty() ? json::value(nullptr) : json::value(r.flag_reason);
    o["flagged_by"] = r.flagged_by.empty() ? json::value(nullptr) : json::value(r.flagged_by);
    o["open_flags"] = r.open_flags;
    o["version"] = r.version;
    o["updated_at"] = util::format_rfc3339(r.updated_at);
  }
  return o;
}

crema::Result<repo::ReviewRow> ReviewService::create(const Actor& actor,
                                                     const std::string& product_id, int rating,
                                                     const std::string& comment) {
  return in_write_tx(pool_, bus_, [&](UnitOfWork& work) -> crema::Result<repo::ReviewRow> {
    auto& tx = work.tx();
    auto active = repo::lock_product_for_rating(tx, product_id);
    if (!active || !*active) return no_such_product(product_id);
    if (repo::review_exists(tx.connection(), product_id, actor.user_id()))
      return crema::Error::make(ErrorCode::duplicate, "You have already reviewed this product.");
    repo::ReviewRow r;
    r.id = util::new_uuid_v7();
    r.product_id = product_id;
    r.customer_id = actor.user_id();
    r.rating = rating;
    r.comment = comment;
    r.status = ReviewStatus::visible;
    r.created_at = r.updated_at = util::now_ms();
    repo::insert_review(tx, r);
    recount_rating(work, product_id);
    auto stored = repo::find_review(tx.connection(), r.id);
    return stored ? std::move(*stored) : std::move(r);
  });
}

crema::Result<Page<repo::ReviewRow, repo::Keyset>> ReviewService::list_visible(
    const std::string& product_id, repo::ReviewFilter filter) {
  auto lease = pool_.read();
  auto active = repo::product_is_active(*lease, product_id);
  if (!active || !*active) return no_such_product(product_id);
  filter.product_id = product_id;
  filter.status = ReviewStatus::visible;
  const int limit = filter.limit;
  return make_page(repo::list_reviews(*lease, filter), limit, [](const repo::ReviewRow& r) {
    return repo::Keyset{r.created_at, r.id};
  });
}

Page<repo::ReviewRow, repo::Keyset> ReviewService::list(repo::ReviewFilter filter) {
  auto lease = pool_.read();
  const int limit = filter.limit;
  return make_page(repo::list_reviews(*lease, filter), limit, [](const repo::ReviewRow& r) {
    return repo::Keyset{r.created_at, r.id};
  });
}

crema::Result<repo::ReviewRow> ReviewService::flag(const Actor& actor, const std::string& id,
                                                   const std::string& reason) {
  std::string product_id;
  {
    auto lease = pool_.read();
    auto r = repo::find_review(*lease, id);
    if (!r) return no_such_review(id);
    product_id = r->product_id;
  }
  return in_write_tx(pool_, bus_, [&](UnitOfWork& work) -> crema::Result<repo::ReviewRow> {
    auto& tx = work.tx();
    repo::lock_product_for_rating(tx, product_id);
    auto r = repo::lock_review(tx, id);
    if (!r) return no_such_review(id);
    if (r->status == ReviewStatus::hidden) {
      if (!actor.is_manager_plus()) return no_such_review(id);
      return crema::Error::make(ErrorCode::conflict,
                                "The review is hidden already; change its status instead.");
    }
    const std::int64_t now = util::now_ms();
    if (!actor.is_manager_plus()) {
      // A customer's flag is one report: the review stays visible until a moderator acts or
      // kFlagsToHide different users have flagged it.
      if (!repo::add_review_flag(tx, id, actor.user_id(), reason, now))
        return crema::Error::make(ErrorCode::duplicate, "You have already flagged this review.");
      r = repo::find_review(tx.connection(), id);
      if (r->status != ReviewStatus::visible || r->open_flags < kFlagsToHide) return std::move(*r);
    } else if (r->status == ReviewStatus::flagged) {
      return std::move(*r);
    } else {
      r->flag_reason = reason;
      r->flagged_by = actor.user_id();
    }
    r->status = ReviewStatus::flagged;
    r->version += 1;
    r->updated_at = now;
    repo::update_review_status(tx, *r);
    recount_rating(work, product_id);
    record_audit(tx, actor,
                 {"review.flag", "review", r->id,
                  actor.is_manager_plus() ? "Review flagged by a moderator: " + reason
                                          : "Review flagged by " + std::to_string(r->open_flags) +
                                                " users; latest reason: " + reason});
    return std::move(*r);
  });
}

crema::Result<repo::ReviewRow> ReviewService::set_status(const Actor& actor, const std::string& id,
                                                         ReviewStatus status,
                                                         std::optional<std::int64_t> expected) {
  std::string product_id;
  {
    auto lease = pool_.read();
    auto r = repo::find_review(*lease, id);
    if (!r) return no_such_review(id);
    product_id = r->product_id;
  }
  return in_write_tx(pool_, bus_, [&](UnitOfWork& work) -> crema::Result<repo::ReviewRow> {
    auto& tx = work.tx();
    repo::lock_product_for_rating(tx, product_id);
    auto r = repo::lock_review(tx, id);
    if (!r) return no_such_review(id);
    if (expected && *expected != r->version)
      return crema::Error::make(ErrorCode::version_conflict,
                                "The review is at version " + std::to_string(r->version) +
                                    ", not " + std::to_string(*expected) + ".");
    // A moderator's decision settles the flags so far, whatever it is.
    if (r->open_flags > 0) {
      repo::settle_review_flags(tx, id, util::now_ms());
      r->open_flags = 0;
    }
    if (r->status == status) return std::move(*r);
    const ReviewStatus from = r->status;
    r->status = status;
    if (status == ReviewStatus::visible) {
      r->flag_reason.clear();
      r->flagged_by.clear();
    }
    r->version += 1;
    r->updated_at = util::now_ms();
    repo::update_review_status(tx, *r);
    recount_rating(work, product_id);
    record_audit(
        tx, actor,
        {"review.status", "review", r->id,
         "Review " + std::string(domain::name(from)) + " → " + std::string(domain::name(status))});
    return std::move(*r);
  });
}

}  // namespace crema::service
