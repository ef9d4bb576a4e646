#include <gtest/gtest.h>

#include "util/text_case.hpp"

namespace crema::util {
namespace {

TEST(FoldCase, AsciiAndTheCommonEuropeanLetters) {
  EXPECT_EQ(fold_case("Flat WHITE 2x"), "flat white 2x");
  EXPECT_EQ(fold_case("ÉCLAIR"), "éclair");
  EXPECT_EQ(fold_case("Crème Brûlée"), "crème brûlée");
  EXPECT_EQ(fold_case("CRÈME BRÛLÉE"), "crème brûlée");
  EXPECT_EQ(fold_case("ÀÁÂÃÄÅÆÇÈÉÊËÌÍÎÏÐÑÒÓÔÕÖØÙÚÛÜÝÞ"), "àáâãäåæçèéêëìíîïðñòóôõöøùúûüýþ");
  EXPECT_EQ(fold_case("×ß"), "×ß");  // no case
  EXPECT_EQ(fold_case("ŁÓDŹ ŻUREK ŚLIWKA ĆMA"), "łódź żurek śliwka ćma");
  EXPECT_EQ(fold_case("ČEŠKÝ ŘÍZEK ŇŤĎ"), "češký řízek ňťď");
  EXPECT_EQ(fold_case("ŐRÜLT ŰRHAJÓ"), "őrült űrhajó");
  EXPECT_EQ(fold_case("ŸİĲ"), "ÿiĳ");
  EXPECT_EQ(fold_case("ΚΑΦΈΣ"), "καφέσ");
  EXPECT_EQ(fold_case("ΆΈΉΊΌΎΏ"), "άέήίόύώ");
  EXPECT_EQ(fold_case("КОФЕ ЁЛКА ЇЖАК"), "кофе ёлка їжак");
  EXPECT_EQ(fold_case("STRAẞE"), "straße");
}

TEST(FoldCase, SmallLettersAndEverythingElseStayAsTheyAre) {
  const std::string text = "café ĸ ı ŉ ſ 咖啡 ☕ 🥐 1.50€";
  EXPECT_EQ(fold_case(text), text);
  EXPECT_EQ(fold_case(""), "");
  // Invalid UTF-8 is copied byte for byte, never dropped or read past the end.
  const std::string bad = std::string("A\xC3") + "\xFF" + "B\xE2\x82";
  EXPECT_EQ(fold_case(bad), std::string("a\xC3") + "\xFF" + "b\xE2\x82");
}

TEST(FoldCase, FoldingTwiceChangesNothing) {
  for (std::string_view s : {"ÉCLAIR au Café", "ΚΑΦΈΣ", "ŁÓDŹ", "İstanbul"})
    EXPECT_EQ(fold_case(fold_case(s)), fold_case(s)) << s;
}

}  // namespace
}  // namespace crema::util
