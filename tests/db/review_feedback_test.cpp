// SPEC §15.5's reviews and feedback on the store under test: authors' edits and deletions
// keep the product rating exact under concurrency, verified_purchase follows the author's
// completed orders, and an order is rated once by its customer, even by racing requests.

#include <atomic>
#include <thread>

#include "db/catalogue_fixture.hpp"
#include "repo/order_repo.hpp"
#include "service/order_service.hpp"
#include "service/review_service.hpp"
#include "util/time.hpp"

namespace crema::test {
namespace {

using domain::OrderStatus;

class ReviewFeedbackTest : public CatalogueDbTest {
 protected:
  void SetUp() override {
    CatalogueDbTest::SetUp();
    if (!pool_) return;
    orders_.emplace(*pool_, bus_, service::OrderSettings{});
    reviews_.emplace(*pool_, bus_);
  }

  std::string product(const std::string& name) { return make_product(name, "Test", 300); }
  std::pair<std::int64_t, std::int64_t> rating(const std::string& pid) {
    auto r = pool_->read()->exec(
        "SELECT rating_avg_milli, rating_count FROM products WHERE id = $1", {pid});
    return {r.front().int64(0), r.front().int64(1)};
  }
  // A customer's pickup order of one product, moved by staff through `to`.
  std::string pickup_order(const service::Actor& customer, const std::string& pid,
                           std::initializer_list<OrderStatus> to) {
    service::OrderRequest r;
    r.type = domain::OrderType::online;
    service::OrderLine l;
    l.product_id = pid;
    l.quantity = 1;
    r.items = {l};
    r.items_given = true;
    auto placed = orders_->place(customer, r, {});
    if (!placed) throw std::runtime_error(placed.error().message);
    for (auto s : to) {
      auto moved = orders_->change_status(staff_, placed->id, s, "", {});
      if (!moved) throw std::runtime_error(moved.error().message);
    }
    return placed->id;
  }

  std::optional<service::OrderService> orders_;
  std::optional<service::ReviewService> reviews_;
};

constexpr std::initializer_list<OrderStatus> kToCompleted = {
    OrderStatus::confirmed, OrderStatus::preparing, OrderStatus::ready, OrderStatus::completed};

TEST_F(ReviewFeedbackTest, EditsAndDeletionsKeepTheRatingExactUnderConcurrency) {
  const auto pid = product("Edited bun");
  constexpr int kAuthors = 10;
  std::vector<service::Actor> authors;
  std::vector<std::string> ids;
  for (int i = 0; i < kAuthors; ++i) {
    authors.push_back(insert_user_of_role(*pool_, auth::Role::customer));
    auto r = reviews_->create(authors.back(), pid, 3, "fine");
    ASSERT_TRUE(r) << r.error().message;
    ids.push_back(r->id);
  }
  EXPECT_EQ(rating(pid), (std::pair<std::int64_t, std::int64_t>(3000, kAuthors)));
  // Even authors move to 5, odd ones delete, all at once: 5 reviews of 5 stars remain.
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int i = 0; i < kAuthors; ++i)
    threads.emplace_back([&, i] {
      const auto k = static_cast<std::size_t>(i);
      const bool ok = i % 2 == 0 ? static_cast<bool>(reviews_->edit(authors[k], ids[k], 5, {}, {}))
                                 : static_cast<bool>(reviews_->remove(authors[k], ids[k]));
      if (!ok) ++failures;
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(rating(pid), (std::pair<std::int64_t, std::int64_t>(5000, kAuthors / 2)));

  // Only the author: another customer, or a manager, is told there is no such review.
  for (const auto& who : {authors[1], manager_}) {
    auto r = reviews_->edit(who, ids[0], 1, {}, {});
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, ErrorCode::not_found);
    auto d = reviews_->remove(who, ids[0]);
    ASSERT_FALSE(d);
    EXPECT_EQ(d.error().code, ErrorCode::not_found);
  }
  auto stale = reviews_->edit(authors[0], ids[0], 1, {}, 1);
  ASSERT_FALSE(stale);
  EXPECT_EQ(stale.error().code, ErrorCode::version_conflict);
  auto deleted = reviews_->edit(authors[1], ids[1], 1, {}, {});
  ASSERT_FALSE(deleted);
  EXPECT_EQ(deleted.error().code, ErrorCode::not_found);
  EXPECT_EQ(rating(pid), (std::pair<std::int64_t, std::int64_t>(5000, kAuthors / 2)));
}

TEST_F(ReviewFeedbackTest, AVerifiedPurchaseIsACompletedOrderOfThatProductByTheAuthor) {
  const auto pid = product("Verified bun");
  const auto other_pid = product("Other bun");
  auto buyer = insert_user_of_role(*pool_, auth::Role::customer);
  pickup_order(buyer, other_pid, kToCompleted);                    // another product
  auto open = pickup_order(buyer, pid, {OrderStatus::confirmed});  // not completed yet
  auto r = reviews_->create(buyer, pid, 4, "");
  ASSERT_TRUE(r);
  EXPECT_FALSE(r->verified_purchase);
  for (auto s : {OrderStatus::preparing, OrderStatus::ready, OrderStatus::completed})
    ASSERT_TRUE(orders_->change_status(staff_, open, s, "", {}));
  EXPECT_TRUE(repo::find_review(*pool_->read(), r->id)->verified_purchase);
  repo::ReviewFilter f;
  f.product_id = pid;
  auto listed = reviews_->list(f);
  ASSERT_EQ(listed.items.size(), 1u);
  EXPECT_TRUE(listed.items[0].verified_purchase);
}

TEST_F(ReviewFeedbackTest, AnOrderIsRatedOnceByItsCustomerOnceCompleted) {
  const auto pid = product("Rated order bun");
  auto buyer = insert_user_of_role(*pool_, auth::Role::customer);
  auto other = insert_user_of_role(*pool_, auth::Role::customer);
  const auto oid = pickup_order(buyer, pid, {OrderStatus::confirmed});
  auto early = reviews_->give_feedback(buyer, oid, 5, "");
  ASSERT_FALSE(early);
  EXPECT_EQ(early.error().code, ErrorCode::conflict);
  for (auto s : {OrderStatus::preparing, OrderStatus::ready, OrderStatus::completed})
    ASSERT_TRUE(orders_->change_status(staff_, oid, s, "", {}));
  auto theirs = reviews_->give_feedback(other, oid, 5, "");
  ASSERT_FALSE(theirs);
  EXPECT_EQ(theirs.error().code, ErrorCode::not_found);

  // Racing first ratings: exactly one is kept, the others are duplicates.
  constexpr int kTries = 8;
  std::atomic<int> created{0}, duplicates{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kTries; ++i)
    threads.emplace_back([&, i] {
      auto f = reviews_->give_feedback(buyer, oid, 1 + i % 5, "race");
      if (f) ++created;
      else if (f.error().code == ErrorCode::duplicate) ++duplicates;
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(created.load(), 1);
  EXPECT_EQ(duplicates.load(), kTries - 1);

  auto kept = repo::find_feedback_of_order(*pool_->read(), oid);
  ASSERT_TRUE(kept);
  EXPECT_EQ(kept->customer_id, buyer.user_id());
  EXPECT_FALSE(kept->order_number.empty());
  repo::FeedbackFilter f;
  f.rating = kept->rating;
  auto page = reviews_->list_feedback(f);
  ASSERT_EQ(page.items.size(), 1u);
  EXPECT_EQ(page.items[0].order_id, oid);
  f.rating = kept->rating % 5 + 1;
  EXPECT_TRUE(reviews_->list_feedback(f).items.empty());
  f.rating.reset();
  f.from_ms = util::now_ms() + 60'000;
  EXPECT_TRUE(reviews_->list_feedback(f).items.empty());
  f.from_ms.reset();
  f.to_ms = kept->created_at;  // exclusive
  EXPECT_TRUE(reviews_->list_feedback(f).items.empty());
}

}  // namespace
}  // namespace crema::test
