#include "service/review_service.hpp"

#include <boost/json.hpp>

#include "events/bus.hpp"
#include "repo/keyset.hpp"
#include "repo/order_repo.hpp"
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
                 {"verified_purchase", r.verified_purchase},
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

json::object feedback_json(const repo::FeedbackRow& f) {
  return json::object{{"id", f.id},
                      {"order_id", f.order_id},
                      {"order_number", f.order_number},
                      {"customer_id", f.customer_id},
                      {"customer_name", f.customer_name},
                      {"rating", f.rating},
                      {"comment", f.comment},
                      {"created_at", util::format_rfc3339(f.created_at)}};
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

crema::Result<repo::ReviewRow> ReviewService::edit(const Actor& actor, const std::string& id,
                                                   std::optional<int> rating,
                                                   std::optional<std::string> comment,
                                                   std::optional<std::int64_t> expected) {
  std::string product_id;
  {
    auto lease = pool_.read();
    auto r = repo::find_review(*lease, id);
    if (!r || r->customer_id != actor.user_id()) return no_such_review(id);
    product_id = r->product_id;
  }
  return in_write_tx(pool_, bus_, [&](UnitOfWork& work) -> crema::Result<repo::ReviewRow> {
    auto& tx = work.tx();
    repo::lock_product_for_rating(tx, product_id);
    auto r = repo::lock_review(tx, id);
    if (!r || r->customer_id != actor.user_id()) return no_such_review(id);
    if (expected && *expected != r->version)
      return crema::Error::make(ErrorCode::version_conflict,
                                "The review is at version " + std::to_string(r->version) +
                                    ", not " + std::to_string(*expected) + ".");
    if (rating) r->rating = *rating;
    if (comment) r->comment = *comment;
    const std::int64_t now = util::now_ms();
    // Users' flags can only have made a review `flagged` with kFlagsToHide of them open (a
    // moderator's status change settles them): fewer means a moderator flagged it.
    const bool moderated = r->status == ReviewStatus::hidden ||
                           (r->status == ReviewStatus::flagged && r->open_flags < kFlagsToHide);
    if (!moderated) {
      if (r->open_flags > 0) {
        repo::settle_review_flags(tx, id, now);
        r->open_flags = 0;
      }
      r->status = ReviewStatus::visible;
      r->flag_reason.clear();
      r->flagged_by.clear();
    }
    r->version += 1;
    r->updated_at = now;
    repo::update_review_content(tx, *r);
    recount_rating(work, product_id);
    auto stored = repo::find_review(tx.connection(), id);
    return stored ? std::move(*stored) : std::move(*r);
  });
}

crema::Result<void> ReviewService::remove(const Actor& actor, const std::string& id) {
  std::string product_id;
  {
    auto lease = pool_.read();
    auto r = repo::find_review(*lease, id);
    if (!r || r->customer_id != actor.user_id()) return no_such_review(id);
    product_id = r->product_id;
  }
  return in_write_tx(pool_, bus_, [&](UnitOfWork& work) -> crema::Result<void> {
    auto& tx = work.tx();
    repo::lock_product_for_rating(tx, product_id);
    auto r = repo::lock_review(tx, id);
    if (!r || r->customer_id != actor.user_id()) return no_such_review(id);
    repo::delete_review(tx, id);
    recount_rating(work, product_id);
    return {};
  });
}

crema::Result<repo::FeedbackRow> ReviewService::give_feedback(const Actor& actor,
                                                              const std::string& order_id,
                                                              int rating,
                                                              const std::string& comment) {
  return in_write_tx(pool_, [&](db::Transaction& tx) -> crema::Result<repo::FeedbackRow> {
    auto order = repo::find_order(tx.connection(), order_id);
    // Another customer's order is not there for this one (SPEC §2: existence not leaked).
    if (!order || order->customer_id.empty() || order->customer_id != actor.user_id())
      return crema::Error::make(ErrorCode::not_found, "No order " + order_id + ".");
    if (!domain::counts_as_completed(order->status))
      return crema::Error::make(ErrorCode::conflict,
                                "Order " + order->order_number + " is " +
                                    std::string(domain::order_status_name(order->status)) +
                                    "; only a completed order can be rated.");
    repo::FeedbackRow f;
    f.id = util::new_uuid_v7();
    f.order_id = order->id;
    f.customer_id = actor.user_id();
    f.rating = rating;
    f.comment = comment;
    f.created_at = util::now_ms();
    if (!repo::insert_feedback(tx, f))
      return crema::Error::make(ErrorCode::duplicate, "You have already rated this order.");
    auto stored = repo::find_feedback_of_order(tx.connection(), order->id);
    return stored ? std::move(*stored) : std::move(f);
  });
}

Page<repo::FeedbackRow, repo::Keyset> ReviewService::list_feedback(repo::FeedbackFilter filter) {
  auto lease = pool_.read();
  const int limit = filter.limit;
  return make_page(repo::list_feedback(*lease, filter), limit, [](const repo::FeedbackRow& f) {
    return repo::Keyset{f.created_at, f.id};
  });
}

}  // namespace crema::service
