// Every fundamental type and enums, as locals and parameters across sites.
#include "../oracle.hpp"

#include <cstdint>
#include <tuple>

enum Color { red, green = 5, blue };
enum class Wide : std::int64_t { low = -1, high = 1LL << 40 };

// A tuple rather than a struct: a struct's padding bytes would make its encoding differ
// between runs of the same program.
using Totals = std::tuple<bool, char, signed char, unsigned char, short, unsigned short, int,
                          unsigned, long, unsigned long, long long, float, double, long double,
                          wchar_t, char16_t, char32_t, Color, Wide>;

[[ppp2p::checkpointable]] Totals root(int n, float start, bool flag) {
  bool b = flag;
  char c = 'A';
  signed char sc = -3;
  unsigned char uc = 250;
  short s = -300;
  unsigned short us = 60000;
  unsigned u = 4000000000u;
  long l = -5;
  unsigned long ul = 1UL << 50;
  long long ll = -(1LL << 45);
  float f = start;
  double d = 1.0 / 3;
  long double ld = 2.0L / 7;
  wchar_t w = L'w';
  char16_t c16 = u'z';
  char32_t c32 = U'Z';
  Color color = green;
  Wide wide = Wide::low;
  for (int i = 0; i < n; ++i) {
    b = !b;
    c = char(c + 1);
    sc = static_cast<signed char>(sc - 1);
    uc = static_cast<unsigned char>(uc + 3);
    s = short(s * 2 % 30000);
    us = static_cast<unsigned short>(us + 1000);
    u += 100000000u;
    l *= -3;
    ul >>= 1;
    ll += i;
    f *= 1.5f;
    d += d * 0.5;
    ld *= 1.25L;
    w = wchar_t(w + 1);
    c16 = char16_t(c16 - 1);
    c32 = char32_t(c32 + 2);
    color = color == green ? blue : green;
    wide = wide == Wide::low ? Wide::high : Wide::low;
    ppp2p::checkpoint();
  }
  return Totals{b, c, sc, uc, s, us, n, u, l, ul, ll, f, d, ld, w, c16, c32, color, wide};
}

PPP2P_ORACLE_MAIN(root, 7, 0.75f, true)
