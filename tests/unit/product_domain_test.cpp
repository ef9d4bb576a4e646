// Pure product rules: stock needs of an order line, modifier storage, search text.
#include <gtest/gtest.h>

#include "domain/product.hpp"

namespace crema::domain {
namespace {

Product latte() {
  Product p;
  p.id = "latte";
  p.name = "Latte";
  p.recipe = {{"milk", 200}, {"beans", 18}};
  p.modifiers = {{"large", "Large", 80, {{"milk", 100}}},
                 {"oat", "Oat milk", 50, {{"oat", 200}}},
                 {"extra_shot", "Extra shot", 90, {{"beans", 9}}}};
  return p;
}

TEST(ProductDomain, NeedsOfALineAreRecipeAndModifiersTimesUnits) {
  std::vector<std::string> mods = {"large", "extra_shot"};
  auto needs = stock_needs(latte(), mods, 3);
  ASSERT_TRUE(needs.ok());
  ASSERT_EQ(needs->size(), 2u);
  EXPECT_EQ((*needs)[0], (StockNeed{"beans", 27 * 3}));
  EXPECT_EQ((*needs)[1], (StockNeed{"milk", 300 * 3}));
}

TEST(ProductDomain, TrackedProductNeedsItsOwnUnits) {
  Product croissant;
  croissant.id = "croissant";
  croissant.name = "Croissant";
  croissant.track_stock = true;
  auto needs = stock_needs(croissant, {}, 4);
  ASSERT_TRUE(needs.ok());
  ASSERT_EQ(needs->size(), 1u);
  EXPECT_EQ((*needs)[0], (StockNeed{"croissant", 4000}));
  croissant.track_stock = false;
  EXPECT_TRUE(stock_needs(croissant, {}, 4)->empty());
}

TEST(ProductDomain, UnknownModifierIsAValidationError) {
  std::vector<std::string> mods = {"oat", "whipped"};
  auto needs = stock_needs(latte(), mods, 1);
  ASSERT_FALSE(needs.ok());
  EXPECT_EQ(needs.error().code, ErrorCode::validation_failed);
  ASSERT_EQ(needs.error().details.size(), 1u);
  EXPECT_EQ(needs.error().details[0].field, "modifiers[1]");
}

TEST(ProductDomain, ModifiersRoundTripThroughStorage) {
  auto mods = latte().modifiers;
  mods[1].price_delta = -20;
  auto text = modifiers_to_storage(mods);
  EXPECT_EQ(modifiers_from_storage(text), mods);
  EXPECT_TRUE(modifiers_from_storage("not json").empty());
  EXPECT_TRUE(modifiers_from_storage("{}").empty());
}

TEST(ProductDomain, ModifierCodes) {
  EXPECT_TRUE(valid_modifier_code("size_large"));
  EXPECT_TRUE(valid_modifier_code("oat-milk-2"));
  EXPECT_FALSE(valid_modifier_code(""));
  EXPECT_FALSE(valid_modifier_code("Large"));
  EXPECT_FALSE(valid_modifier_code("a b"));
  EXPECT_FALSE(valid_modifier_code(std::string(41, 'a')));
}

TEST(ProductDomain, SearchTextIsLowerCaseOfTheThreeFields) {
  EXPECT_EQ(search_text("Flat White", "Double RISTRETTO", "Coffee"),
            "flat white\ndouble ristretto\ncoffee");
}

}  // namespace
}  // namespace crema::domain
