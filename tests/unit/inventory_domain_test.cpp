// Pure inventory rules: low-stock state and its crossings, need merging, exact quantity text,
// the JSON of items and log rows.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "domain/inventory.hpp"
#include "util/json_text.hpp"

namespace crema::domain {
namespace {

TEST(InventoryDomain, LowMeansCountedAndAvailableBelowThreshold) {
  EXPECT_TRUE(is_low(true, 5000, 1000, 4001));    // available 4 < 4.001
  EXPECT_FALSE(is_low(true, 5000, 1000, 4000));   // available 4 == threshold: not below
  EXPECT_FALSE(is_low(false, 0, 0, 1000));        // not counted: never low
  EXPECT_FALSE(is_low(true, 0, 0, 0));            // no threshold: never low
}

TEST(InventoryDomain, OneAlertPerCrossing) {
  // The flag flips to true once when stock dips (the alert), stays while low, and re-arms
  // when stock is back.
  bool alerted = false;
  int alerts = 0;
  const bool lows[] = {false, true, true, true, false, false, true};
  for (bool low : lows) {
    if (auto flip = low_transition(alerted, low)) {
      alerted = *flip;
      alerts += *flip ? 1 : 0;
    }
  }
  EXPECT_EQ(alerts, 2);
  EXPECT_TRUE(alerted);
  EXPECT_EQ(low_transition(true, true), std::nullopt);
  EXPECT_EQ(low_transition(false, false), std::nullopt);
  EXPECT_EQ(low_transition(true, false), false);
}

TEST(InventoryDomain, MergeNeedsSumsPerItemAndSortsById) {
  auto merged = merge_needs({{"c", 100}, {"a", 250}, {"c", 400}, {"b", 0}, {"a", 1}});
  ASSERT_EQ(merged.size(), 2u);
  EXPECT_EQ(merged[0], (StockNeed{"a", 251}));
  EXPECT_EQ(merged[1], (StockNeed{"c", 500}));
  EXPECT_TRUE(merge_needs({}).empty());
}

TEST(InventoryDomain, QuantityTextIsExact) {
  EXPECT_EQ(quantity_text(2125), "2.125");
  EXPECT_EQ(quantity_text(500), "0.5");
  EXPECT_EQ(quantity_text(3000), "3");
  EXPECT_EQ(quantity_text(0), "0");
  EXPECT_EQ(quantity_text(-1050), "-1.05");
  EXPECT_EQ(quantity_text(1), "0.001");
  EXPECT_EQ(quantity_text(INT64_MIN), "-9223372036854775.808");
}

TEST(InventoryDomain, KindsRoundTrip) {
  for (auto k : {LogKind::reserve, LogKind::commit, LogKind::release, LogKind::restock,
                 LogKind::adjust, LogKind::receive, LogKind::waste})
    EXPECT_EQ(parse_log_kind(log_kind_name(k)), k);
  EXPECT_EQ(parse_log_kind("steal"), std::nullopt);
  EXPECT_EQ(parse_item_kind("ingredient"), ItemKind::ingredient);
  EXPECT_EQ(parse_item_kind("product"), ItemKind::product);
  EXPECT_EQ(parse_item_kind("Product"), std::nullopt);
}

TEST(InventoryDomain, ItemJsonHasTheSpecFieldsInUnits) {
  InventoryItem it;
  it.id = "0190a0b0-0000-7000-8000-000000000001";
  it.name = "Whole milk";
  it.unit = "l";
  it.on_hand = 12500;
  it.reserved = 2250;
  it.low_stock_threshold = 11000;
  it.version = 3;
  it.created_at = it.updated_at = 1795000000000;
  auto j = to_json(it);
  EXPECT_EQ(util::to_json(j.at("on_hand")), "12.5");
  EXPECT_EQ(util::to_json(j.at("reserved")), "2.25");
  EXPECT_EQ(util::to_json(j.at("available")), "10.25");
  EXPECT_EQ(util::to_json(j.at("low_stock_threshold")), "11");
  EXPECT_EQ(j.at("is_low"), true);
  EXPECT_EQ(j.at("kind"), "ingredient");
  EXPECT_EQ(j.at("version"), 3);
  for (auto field : {"id", "name", "unit", "kind", "on_hand", "reserved", "available",
                     "low_stock_threshold", "is_low", "version", "updated_at"})
    EXPECT_TRUE(j.contains(field)) << field;
}

TEST(InventoryDomain, LogJsonUsesNullForMissingReferences) {
  InventoryLog l;
  l.id = "x";
  l.inventory_item_id = "i";
  l.delta = -1500;
  l.kind = LogKind::reserve;
  l.order_id = "o";
  auto j = to_json(l);
  EXPECT_EQ(util::to_json(j.at("delta")), "-1.5");
  EXPECT_EQ(j.at("kind"), "reserve");
  EXPECT_EQ(j.at("order_id"), "o");
  EXPECT_TRUE(j.at("actor_id").is_null());
}

}  // namespace
}  // namespace crema::domain
