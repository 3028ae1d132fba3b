// SPDX-License-Identifier: Apache-2.0
// Tests for the deterministic CBOR codec (include/hush/cbor.h).
//
// Sources of the vectors:
// - kRfc8949AppendixA: RFC 8949 Appendix A, Table 6 ("Examples of Encoded CBOR
//   Data Items"), the rows that fall inside hush's subset.
// - kRejections: RFC 8949 §3 / §4.2.1 well-formedness and deterministic rules,
//   the indefinite-length rows of RFC 8949 Appendix A, and the CBOR-level
//   "Invalid Traces" of RFC 9529 §8.

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "hex.h"
#include "hush/cbor.h"
#include "hush/error.h"

namespace hush::cbor {
namespace {

using Bytes = std::vector<uint8_t>;

Bytes hex(const char* s) {
  return host::from_hex(s);
}

using host::to_hex;

ConstByteSpan span(const Bytes& b) {
  return ConstByteSpan(b.data(), b.size());
}
ConstByteSpan str(const char* s) {
  return ConstByteSpan(reinterpret_cast<const uint8_t*>(s), std::strlen(s));
}

// Re-encodes one item through the typed reads only, so a decode followed by an
// encode must reproduce the input exactly (there is one accepted byte form).
Error copy_item(Decoder& d, Encoder& e) {
  Major m{};
  HUSH_TRY(d.peek(m));
  switch (m) {
    case Major::kUint: {
      uint64_t v = 0;
      HUSH_TRY(d.read_uint(v));
      e.put_uint(v);
      return Error::kOk;
    }
    case Major::kNint: {
      int64_t v = 0;
      HUSH_TRY(d.read_int(v));
      e.put_int(v);
      return Error::kOk;
    }
    case Major::kBstr: {
      ConstByteSpan v;
      HUSH_TRY(d.read_bstr(v));
      e.put_bstr(v);
      return Error::kOk;
    }
    case Major::kTstr: {
      ConstByteSpan v;
      HUSH_TRY(d.read_tstr(v));
      e.put_tstr(v);
      return Error::kOk;
    }
    case Major::kArray: {
      size_t n = 0;
      HUSH_TRY(d.read_array(n));
      e.put_array(n);
      for (size_t i = 0; i < n; ++i) HUSH_TRY(copy_item(d, e));
      return Error::kOk;
    }
    case Major::kMap: {
      size_t n = 0;
      HUSH_TRY(d.read_map(n));
      e.put_map(n);
      for (size_t i = 0; i < 2 * n; ++i) HUSH_TRY(copy_item(d, e));
      return Error::kOk;
    }
    case Major::kSimple: {
      if (d.rest()[0] == 0xF6) {  // null has no typed read
        ConstByteSpan raw;
        HUSH_TRY(d.read_item(raw));
        e.put_null();
        return Error::kOk;
      }
      bool v = false;
      HUSH_TRY(d.read_bool(v));
      e.put_bool(v);
      return Error::kOk;
    }
    case Major::kTag: break;
  }
  return Error::kMalformed;
}

// --- RFC 8949 Appendix A ------------------------------------------------------

struct EncodeVector {
  const char* name;
  const char* diag;
  const char* hex;
  void (*encode)(Encoder&);
};

// RFC 8949 Appendix A, Table 6, in table order. Left out, because they are
// outside the subset: floats, undefined, simple(16), simple(255), tags, bignums
// (which are tags) and indefinite lengths (those are in kRejections).
const EncodeVector kRfc8949AppendixA[] = {
    {"uint_0", "0", "00", [](Encoder& e) { e.put_uint(0); }},
    {"uint_1", "1", "01", [](Encoder& e) { e.put_uint(1); }},
    {"uint_10", "10", "0a", [](Encoder& e) { e.put_uint(10); }},
    {"uint_23", "23", "17", [](Encoder& e) { e.put_uint(23); }},
    {"uint_24", "24", "1818", [](Encoder& e) { e.put_uint(24); }},
    {"uint_25", "25", "1819", [](Encoder& e) { e.put_uint(25); }},
    {"uint_100", "100", "1864", [](Encoder& e) { e.put_uint(100); }},
    {"uint_1000", "1000", "1903e8", [](Encoder& e) { e.put_uint(1000); }},
    {"uint_1000000", "1000000", "1a000f4240", [](Encoder& e) { e.put_uint(1000000); }},
    {"uint_1000000000000", "1000000000000", "1b000000e8d4a51000", [](Encoder& e) { e.put_uint(1000000000000u); }},
    {"uint_max", "18446744073709551615", "1bffffffffffffffff",
     [](Encoder& e) { e.put_uint(std::numeric_limits<uint64_t>::max()); }},
    {"int_minus_1", "-1", "20", [](Encoder& e) { e.put_int(-1); }},
    {"int_minus_10", "-10", "29", [](Encoder& e) { e.put_int(-10); }},
    {"int_minus_100", "-100", "3863", [](Encoder& e) { e.put_int(-100); }},
    {"int_minus_1000", "-1000", "3903e7", [](Encoder& e) { e.put_int(-1000); }},
    {"false", "false", "f4", [](Encoder& e) { e.put_bool(false); }},
    {"true", "true", "f5", [](Encoder& e) { e.put_bool(true); }},
    {"null", "null", "f6", [](Encoder& e) { e.put_null(); }},
    {"bstr_empty", "h''", "40", [](Encoder& e) { e.put_bstr(ConstByteSpan()); }},
    {"bstr_4", "h'01020304'", "4401020304",
     [](Encoder& e) {
       const uint8_t b[] = {1, 2, 3, 4};
       e.put_bstr(b);
     }},
    {"tstr_empty", "\"\"", "60", [](Encoder& e) { e.put_tstr(ConstByteSpan()); }},
    {"tstr_a", "\"a\"", "6161", [](Encoder& e) { e.put_tstr(str("a")); }},
    {"tstr_IETF", "\"IETF\"", "6449455446", [](Encoder& e) { e.put_tstr(str("IETF")); }},
    {"tstr_quote_backslash", "\"\\\"\\\\\"", "62225c", [](Encoder& e) { e.put_tstr(str("\"\\")); }},
    {"tstr_u00fc", "\"\\u00fc\"", "62c3bc", [](Encoder& e) { e.put_tstr(str("\xc3\xbc")); }},
    {"tstr_u6c34", "\"\\u6c34\"", "63e6b0b4", [](Encoder& e) { e.put_tstr(str("\xe6\xb0\xb4")); }},
    {"tstr_u10151", "\"\\ud800\\udd51\"", "64f0908591", [](Encoder& e) { e.put_tstr(str("\xf0\x90\x85\x91")); }},
    {"array_empty", "[]", "80", [](Encoder& e) { e.put_array(0); }},
    {"array_123", "[1, 2, 3]", "83010203",
     [](Encoder& e) {
       e.put_array(3);
       for (uint64_t i = 1; i <= 3; ++i) e.put_uint(i);
     }},
    {"array_nested", "[1, [2, 3], [4, 5]]", "8301820203820405",
     [](Encoder& e) {
       e.put_array(3);
       e.put_uint(1);
       e.put_array(2);
       e.put_uint(2);
       e.put_uint(3);
       e.put_array(2);
       e.put_uint(4);
       e.put_uint(5);
     }},
    {"array_25", "[1, 2, ..., 25]", "98190102030405060708090a0b0c0d0e0f101112131415161718181819",
     [](Encoder& e) {
       e.put_array(25);
       for (uint64_t i = 1; i <= 25; ++i) e.put_uint(i);
     }},
    {"map_empty", "{}", "a0", [](Encoder& e) { e.put_map(0); }},
    {"map_int", "{1: 2, 3: 4}", "a201020304",
     [](Encoder& e) {
       e.put_map(2);
       for (uint64_t i = 1; i <= 4; ++i) e.put_uint(i);
     }},
    {"map_mixed", "{\"a\": 1, \"b\": [2, 3]}", "a26161016162820203",
     [](Encoder& e) {
       e.put_map(2);
       e.put_tstr(str("a"));
       e.put_uint(1);
       e.put_tstr(str("b"));
       e.put_array(2);
       e.put_uint(2);
       e.put_uint(3);
     }},
    {"array_with_map", "[\"a\", {\"b\": \"c\"}]", "826161a161626163",
     [](Encoder& e) {
       e.put_array(2);
       e.put_tstr(str("a"));
       e.put_map(1);
       e.put_tstr(str("b"));
       e.put_tstr(str("c"));
     }},
    {"map_5", "{\"a\": \"A\", \"b\": \"B\", \"c\": \"C\", \"d\": \"D\", \"e\": \"E\"}",
     "a56161614161626142616361436164614461656145",
     [](Encoder& e) {
       e.put_map(5);
       const char* kv[] = {"a", "A", "b", "B", "c", "C", "d", "D", "e", "E"};
       for (const char* s : kv) e.put_tstr(str(s));
     }},
};

class Rfc8949Vector : public ::testing::TestWithParam<EncodeVector> {};

TEST_P(Rfc8949Vector, Encodes) {
  const EncodeVector& v = GetParam();
  uint8_t buf[64];
  Encoder e(buf);
  v.encode(e);
  ASSERT_EQ(e.status(), Error::kOk);
  EXPECT_EQ(to_hex(e.encoded()), to_hex(span(hex(v.hex)))) << v.diag;
}

TEST_P(Rfc8949Vector, ReadItemTakesWholeItem) {
  const Bytes in = hex(GetParam().hex);
  Decoder d(span(in));
  ConstByteSpan raw;
  ASSERT_EQ(d.read_item(raw), Error::kOk) << GetParam().diag;
  EXPECT_TRUE(d.at_end());
  EXPECT_EQ(raw.data(), in.data());
  EXPECT_EQ(raw.size(), in.size());
}

TEST_P(Rfc8949Vector, TypedReadsRoundTrip) {
  const Bytes in = hex(GetParam().hex);
  Decoder d(span(in));
  uint8_t buf[64];
  Encoder e(buf);
  ASSERT_EQ(copy_item(d, e), Error::kOk) << GetParam().diag;
  EXPECT_TRUE(d.at_end());
  ASSERT_EQ(e.status(), Error::kOk);
  EXPECT_EQ(to_hex(e.encoded()), to_hex(span(in)));
}

TEST_P(Rfc8949Vector, EncoderFailsStickyOnEveryShortBuffer) {
  const size_t full = hex(GetParam().hex).size();
  for (size_t cap = 0; cap < full; ++cap) {
    uint8_t buf[64];
    Encoder e(ByteSpan(buf, cap));
    GetParam().encode(e);
    EXPECT_EQ(e.status(), Error::kBufferTooSmall) << "capacity " << cap;
    EXPECT_LE(e.size(), cap);
    e.put_uint(0);  // would fit in a fresh encoder if cap > 0; must stay failed
    EXPECT_EQ(e.status(), Error::kBufferTooSmall);
  }
}

INSTANTIATE_TEST_SUITE_P(AppendixA, Rfc8949Vector, ::testing::ValuesIn(kRfc8949AppendixA),
                         [](const ::testing::TestParamInfo<EncodeVector>& i) { return std::string(i.param.name); });

// --- Rejections ---------------------------------------------------------------

struct Rejection {
  const char* name;
  const char* hex;
  Error expected;
  const char* source;
  // Key order and depth are checked by read_item only; the typed reads leave
  // them to the caller, so they accept these inputs.
  bool typed_reads_accept = false;
};

const Rejection kRejections[] = {
    // RFC 9529 §8 "Invalid Traces", the CBOR-level ones.
    {"rfc9529_unnecessary_long_encoding", "19 00 03", Error::kNonDeterministic, "RFC 9529 8.3.1"},
    {"rfc9529_indefinite_length_array", "9F 06 02 FF", Error::kNonDeterministic, "RFC 9529 8.3.2"},
    // Non-shortest heads, each one value below the head's threshold.
    {"uint_1byte_for_23", "18 17", Error::kNonDeterministic, "RFC 8949 4.2.1"},
    {"uint_2byte_for_255", "19 00 ff", Error::kNonDeterministic, "RFC 8949 4.2.1"},
    {"uint_4byte_for_65535", "1a 00 00 ff ff", Error::kNonDeterministic, "RFC 8949 4.2.1"},
    {"uint_8byte_for_2p32m1", "1b 00 00 00 00 ff ff ff ff", Error::kNonDeterministic, "RFC 8949 4.2.1"},
    {"nint_1byte_for_minus1", "38 00", Error::kNonDeterministic, "RFC 8949 4.2.1"},
    {"bstr_len_1byte_for_0", "58 00", Error::kNonDeterministic, "RFC 8949 4.2.1"},
    {"tstr_len_2byte_for_1", "79 00 01 61", Error::kNonDeterministic, "RFC 8949 4.2.1"},
    {"array_len_1byte_for_0", "98 00", Error::kNonDeterministic, "RFC 8949 4.2.1"},
    {"map_len_4byte_for_0", "ba 00 00 00 00", Error::kNonDeterministic, "RFC 8949 4.2.1"},
    {"nested_non_shortest", "82 01 18 02", Error::kNonDeterministic, "RFC 8949 4.2.1"},
    // Indefinite lengths (RFC 8949 Appendix A rows, and empty forms).
    {"indef_bstr", "5f 42 01 02 43 03 04 05 ff", Error::kNonDeterministic, "RFC 8949 App. A"},
    {"indef_tstr", "7f 65 73 74 72 65 61 64 6d 69 6e 67 ff", Error::kNonDeterministic, "RFC 8949 App. A"},
    {"indef_array_empty", "9f ff", Error::kNonDeterministic, "RFC 8949 App. A"},
    {"indef_array_nested", "83 01 82 02 03 9f 04 05 ff", Error::kNonDeterministic, "RFC 8949 App. A"},
    {"indef_map", "bf 61 61 01 61 62 9f 02 03 ff ff", Error::kNonDeterministic, "RFC 8949 App. A"},
    // Additional information 31 where it is not even well-formed, and break.
    {"ai31_uint", "1f", Error::kMalformed, "RFC 8949 3"},
    {"ai31_nint", "3f", Error::kMalformed, "RFC 8949 3"},
    {"ai31_tag", "df 00", Error::kMalformed, "RFC 8949 3"},
    {"stray_break", "ff", Error::kMalformed, "RFC 8949 3"},
    // Reserved additional information 28..30.
    {"reserved_ai28_uint", "1c", Error::kMalformed, "RFC 8949 3"},
    {"reserved_ai29_nint", "3d", Error::kMalformed, "RFC 8949 3"},
    {"reserved_ai30_bstr", "5e", Error::kMalformed, "RFC 8949 3"},
    {"reserved_ai28_tstr", "7c", Error::kMalformed, "RFC 8949 3"},
    {"reserved_ai29_array", "9d", Error::kMalformed, "RFC 8949 3"},
    {"reserved_ai30_map", "be", Error::kMalformed, "RFC 8949 3"},
    {"reserved_ai28_simple", "fc", Error::kMalformed, "RFC 8949 3"},
    {"reserved_ai_inside_array", "82 01 1e", Error::kMalformed, "RFC 8949 3"},
    // Truncation.
    {"empty_input", "", Error::kMalformed, "RFC 8949 3"},
    {"truncated_1byte_arg", "18", Error::kMalformed, "RFC 8949 3"},
    {"truncated_2byte_arg", "19 01", Error::kMalformed, "RFC 8949 3"},
    {"truncated_4byte_arg", "1a 01 02 03", Error::kMalformed, "RFC 8949 3"},
    {"truncated_8byte_arg", "1b 01 02 03 04 05 06 07", Error::kMalformed, "RFC 8949 3"},
    {"truncated_bstr", "42 01", Error::kMalformed, "RFC 8949 3"},
    {"truncated_tstr", "62 61", Error::kMalformed, "RFC 8949 3"},
    {"truncated_array", "83 01 02", Error::kMalformed, "RFC 8949 3"},
    {"truncated_map_value", "a1 01", Error::kMalformed, "RFC 8949 3"},
    {"truncated_nested", "82 82 01", Error::kMalformed, "RFC 8949 3"},
    // Lengths far beyond the input; the 64-bit ones must not wrap size_t.
    {"bstr_len_2p64m1", "5b ff ff ff ff ff ff ff ff 00", Error::kMalformed, "RFC 8949 3"},
    {"bstr_len_2p32", "5b 00 00 00 01 00 00 00 00", Error::kMalformed, "RFC 8949 3"},
    {"bstr_len_2p32m1", "5a ff ff ff ff 00", Error::kMalformed, "RFC 8949 3"},
    {"tstr_len_2p64m1", "7b ff ff ff ff ff ff ff ff", Error::kMalformed, "RFC 8949 3"},
    {"array_len_2p64m1", "9b ff ff ff ff ff ff ff ff 00", Error::kMalformed, "RFC 8949 3"},
    {"map_len_2p64m1", "bb ff ff ff ff ff ff ff ff 00 00", Error::kMalformed, "RFC 8949 3"},
    {"map_len_exceeds_pairs", "a2 01 02 03", Error::kMalformed, "RFC 8949 3"},
    // Tags, floats and other simple values: outside the subset.
    {"tag_epoch", "c1 1a 51 4b 67 b0", Error::kMalformed, "RFC 8949 App. A"},
    {"tag_bignum", "c2 49 01 00 00 00 00 00 00 00 00", Error::kMalformed, "RFC 8949 App. A"},
    {"tag_in_array", "82 01 d8 18 40", Error::kMalformed, "RFC 8949 App. A"},
    {"float16", "f9 3c 00", Error::kMalformed, "RFC 8949 App. A"},
    {"float32", "fa 47 c3 50 00", Error::kMalformed, "RFC 8949 App. A"},
    {"float64", "fb 3f f1 99 99 99 99 99 9a", Error::kMalformed, "RFC 8949 App. A"},
    {"undefined", "f7", Error::kMalformed, "RFC 8949 App. A"},
    {"simple_16", "f0", Error::kMalformed, "RFC 8949 App. A"},
    {"simple_255", "f8 ff", Error::kMalformed, "RFC 8949 App. A"},
    {"simple_false_two_byte_form", "f8 14", Error::kMalformed, "RFC 8949 3.3"},
    // Invalid UTF-8 in text strings.
    {"utf8_bad_continuation", "62 c3 28", Error::kMalformed, "RFC 3629"},
    {"utf8_lone_ff", "61 ff", Error::kMalformed, "RFC 3629"},
    {"utf8_overlong_nul", "62 c0 80", Error::kMalformed, "RFC 3629"},
    {"utf8_overlong_3byte", "63 e0 80 af", Error::kMalformed, "RFC 3629"},
    {"utf8_surrogate", "63 ed a0 80", Error::kMalformed, "RFC 3629"},
    {"utf8_above_10ffff", "64 f4 90 80 80", Error::kMalformed, "RFC 3629"},
    {"utf8_truncated_sequence", "62 e6 b0", Error::kMalformed, "RFC 3629"},
    // Map keys: bytewise lexicographic order of encodings, no duplicates.
    {"map_keys_descending", "a2 02 00 01 00", Error::kNonDeterministic, "RFC 8949 4.2.1", true},
    {"map_duplicate_key", "a2 01 00 01 00", Error::kNonDeterministic, "RFC 8949 4.2.1", true},
    {"map_duplicate_tstr_key", "a2 61 61 00 61 61 01", Error::kNonDeterministic, "RFC 8949 4.2.1", true},
    {"map_length_first_order", "a2 20 00 18 18 00", Error::kNonDeterministic, "RFC 8949 4.2.1", true},
    {"map_int_after_tstr", "a2 61 61 00 01 00", Error::kNonDeterministic, "RFC 8949 4.2.1", true},
    {"map_unsorted_nested", "81 a1 00 a2 02 00 01 00", Error::kNonDeterministic, "RFC 8949 4.2.1", true},
    // Nesting beyond kMaxDepth (8).
    {"nesting_9_arrays", "81 81 81 81 81 81 81 81 81 00", Error::kMalformed, "hush kMaxDepth", true},
    {"nesting_9_maps", "a1 00 a1 00 a1 00 a1 00 a1 00 a1 00 a1 00 a1 00 a1 00 00", Error::kMalformed, "hush kMaxDepth",
     true},
    {"nesting_9_mixed", "81 a1 00 81 a1 00 81 a1 00 81 a1 00 80", Error::kMalformed, "hush kMaxDepth", true},
};

class CborRejection : public ::testing::TestWithParam<Rejection> {};

TEST_P(CborRejection, ReadItemRejectsAndSticks) {
  const Rejection& r = GetParam();
  const Bytes in = hex(r.hex);
  Decoder d(span(in));
  ConstByteSpan raw;
  Error got = Error::kOk;
  // Items before the bad one may decode; the first failure must be the
  // expected one, and input may not be accepted to the end.
  while (got == Error::kOk && !d.at_end()) got = d.read_item(raw);
  if (in.empty()) got = d.read_item(raw);
  EXPECT_EQ(error_name(got), std::string(error_name(r.expected))) << r.source;
  EXPECT_EQ(d.status(), r.expected);
  // Sticky: nothing reads after a failure.
  int64_t i = 0;
  EXPECT_EQ(d.read_int(i), r.expected);
  Major m{};
  EXPECT_EQ(d.peek(m), r.expected);
  EXPECT_EQ(d.read_item(raw), r.expected);
}

TEST_P(CborRejection, TypedReadsNeverAcceptIt) {
  // Walking the same input with the typed reads must also fail, though not
  // always with the same error, and must never read past the end.
  const Rejection& r = GetParam();
  const Bytes in = hex(r.hex);
  Decoder d(span(in));
  uint8_t buf[256];
  Encoder e(buf);
  Error got = Error::kOk;
  while (got == Error::kOk && !d.at_end()) got = copy_item(d, e);
  if (in.empty()) got = copy_item(d, e);
  if (r.typed_reads_accept) {
    EXPECT_EQ(got, Error::kOk);
    EXPECT_TRUE(d.at_end());
  } else {
    EXPECT_NE(got, Error::kOk);
  }
  EXPECT_LE(d.offset(), in.size());
}

INSTANTIATE_TEST_SUITE_P(Table, CborRejection, ::testing::ValuesIn(kRejections),
                         [](const ::testing::TestParamInfo<Rejection>& i) { return std::string(i.param.name); });

// --- Whole invalid messages from RFC 9529 §8 ----------------------------------

// Returns the first error of reading the input as a CBOR sequence.
Error read_sequence(const Bytes& in) {
  Decoder d(span(in));
  ConstByteSpan raw;
  while (!d.at_end()) HUSH_TRY(d.read_item(raw));
  return Error::kOk;
}

TEST(Rfc9529InvalidTraces, UnnecessaryLongEncodingMessage1) {
  EXPECT_EQ(read_sequence(hex("19 00 03 02 58 20 74 1a 13 d7 ba 04 8f bb 61 5e 94 38 6a a3 b6 1b ea"
                              "5b 3d 8f 65 f3 26 20 b7 49 be e8 d2 78 ef a9 0e")),
            Error::kNonDeterministic);
}

TEST(Rfc9529InvalidTraces, IndefiniteLengthArrayMessage1) {
  const Bytes msg =
      hex("03 9F 06 02 FF 58 20 74 1a 13 d7 ba 04 8f bb 61 5e 94 38 6a a3 b6 1b"
          "ea 5b 3d 8f 65 f3 26 20 b7 49 be e8 d2 78 ef a9 0e");
  Decoder d(span(msg));
  int64_t method = 0;
  ASSERT_EQ(d.read_int(method), Error::kOk);
  EXPECT_EQ(method, 3);
  ConstByteSpan raw;
  EXPECT_EQ(d.read_item(raw), Error::kNonDeterministic);
  EXPECT_EQ(d.offset(), 1u);  // points at the offending head
}

TEST(Rfc9529InvalidTraces, TextStringEphemeralKeyIsWrongMajorType) {
  // Well-formed CBOR, so read_item accepts it; the typed read for G_X rejects.
  const Bytes msg =
      hex("03 02 78 20 20 61 69 72 20 73 70 65 65 64 20 6F 66 20 61 20 75 6E 6C"
          "61 64 65 6E 20 73 77 61 6C 6C 6F 77 20 0e");
  EXPECT_EQ(read_sequence(msg), Error::kOk);
  Decoder d(span(msg));
  int64_t method = 0;
  int64_t suite = 0;
  ConstByteSpan g_x;
  ASSERT_EQ(d.read_int(method), Error::kOk);
  ASSERT_EQ(d.read_int(suite), Error::kOk);
  EXPECT_EQ(d.read_bstr(g_x), Error::kMalformed);
  EXPECT_EQ(d.offset(), 2u);
}

TEST(Rfc9529InvalidTraces, SurplusEncodingsAreWellFormedCbor) {
  // These are EDHOC-level errors: valid deterministic CBOR that the EDHOC
  // parser must refuse by structure. The codec must accept them unchanged.
  const char* msgs[] = {
      // Surplus array encoding of message_1
      ("84 03 02 58 20 74 1a 13 d7 ba 04 8f bb 61 5e 94 38 6a a3 b6 1b ea 5b"
       "3d 8f 65 f3 26 20 b7 49 be e8 d2 78 ef a9 0e"),
      // Surplus map encoding of ID_CRED field (PLAINTEXT_2)
      "27 a1 04 42 32 10 48 fa 5e fa 2e bf 92 0b f3",
      // Surplus bstr encoding of ID_CRED field (PLAINTEXT_2)
      "27 41 32 48 fa 5e fa 2e bf 92 0b f3",
  };
  for (const char* m : msgs) EXPECT_EQ(read_sequence(hex(m)), Error::kOk) << m;
}

// --- Integers -----------------------------------------------------------------

TEST(CborInt, Int64Limits) {
  struct Row {
    const char* hex;
    int64_t value;
  };
  const Row rows[] = {
      {"1b 7f ff ff ff ff ff ff ff", std::numeric_limits<int64_t>::max()},
      {"3b 7f ff ff ff ff ff ff ff", std::numeric_limits<int64_t>::min()},
      {"3a ff ff ff ff", -4294967296LL},
      {"39 ff ff", -65536},
      {"38 ff", -256},
      {"37", -24},
  };
  for (const Row& r : rows) {
    const Bytes in = hex(r.hex);
    Decoder d(span(in));
    int64_t v = 0;
    ASSERT_EQ(d.read_int(v), Error::kOk) << r.hex;
    EXPECT_EQ(v, r.value);
    EXPECT_TRUE(d.at_end());
    uint8_t buf[16];
    Encoder e(buf);
    e.put_int(r.value);
    EXPECT_EQ(to_hex(e.encoded()), to_hex(span(in)));
  }
}

TEST(CborInt, ReadIntRejectsOutsideInt64) {
  const char* rows[] = {
      "1b 80 00 00 00 00 00 00 00",  // 2^63
      "1b ff ff ff ff ff ff ff ff",  // 2^64 - 1 (RFC 8949 App. A)
      "3b 80 00 00 00 00 00 00 00",  // -2^63 - 1
      "3b ff ff ff ff ff ff ff ff",  // -2^64 (RFC 8949 App. A)
  };
  for (const char* r : rows) {
    const Bytes in = hex(r);
    Decoder d(span(in));
    int64_t v = 42;
    EXPECT_EQ(d.read_int(v), Error::kMalformed) << r;
    EXPECT_EQ(v, 42);
    EXPECT_EQ(d.offset(), 0u);
    // Still well-formed CBOR.
    Decoder d2(span(in));
    ConstByteSpan raw;
    EXPECT_EQ(d2.read_item(raw), Error::kOk) << r;
  }
}

TEST(CborInt, ReadUintTakesFullRangeButNoNegatives) {
  const Bytes max = hex("1b ff ff ff ff ff ff ff ff");
  Decoder d(span(max));
  uint64_t v = 0;
  ASSERT_EQ(d.read_uint(v), Error::kOk);
  EXPECT_EQ(v, std::numeric_limits<uint64_t>::max());

  const Bytes neg = hex("20");
  Decoder d2(span(neg));
  EXPECT_EQ(d2.read_uint(v), Error::kMalformed);
}

// --- Typed reads: wrong major type --------------------------------------------

TEST(CborTyped, WrongMajorTypeIsMalformedAndSticky) {
  const Bytes in = hex("40 01");  // h'' then 1
  {
    Decoder d(span(in));
    int64_t i = 0;
    EXPECT_EQ(d.read_int(i), Error::kMalformed);
    EXPECT_EQ(d.offset(), 0u);
    ConstByteSpan b;
    EXPECT_EQ(d.read_bstr(b), Error::kMalformed);  // sticky even though it would fit now
  }
  const struct {
    const char* hex;
    Error (*read)(Decoder&);
  } rows[] = {
      {"60",
       [](Decoder& d) {
         ConstByteSpan v;
         return d.read_bstr(v);
       }},
      {"40",
       [](Decoder& d) {
         ConstByteSpan v;
         return d.read_tstr(v);
       }},
      {"a0",
       [](Decoder& d) {
         size_t n;
         return d.read_array(n);
       }},
      {"80",
       [](Decoder& d) {
         size_t n;
         return d.read_map(n);
       }},
      {"f6",
       [](Decoder& d) {
         bool b;
         return d.read_bool(b);
       }},
      {"00",
       [](Decoder& d) {
         bool b;
         return d.read_bool(b);
       }},
      {"f4",
       [](Decoder& d) {
         uint64_t u;
         return d.read_uint(u);
       }},
      {"99 ff ff",
       [](Decoder& d) {  // count larger than the input
         size_t n;
         return d.read_array(n);
       }},
      {"a2 01 02",
       [](Decoder& d) {  // two pairs cannot fit in two bytes
         size_t n;
         return d.read_map(n);
       }},
  };
  for (const auto& r : rows) {
    const Bytes b = hex(r.hex);
    Decoder d(span(b));
    EXPECT_EQ(r.read(d), Error::kMalformed) << r.hex;
    EXPECT_EQ(d.status(), Error::kMalformed);
  }
}

TEST(CborTyped, PeekDoesNotConsume) {
  const Bytes in = hex("41 0e 0e");
  Decoder d(span(in));
  Major m{};
  ASSERT_EQ(d.peek(m), Error::kOk);
  EXPECT_EQ(m, Major::kBstr);
  EXPECT_EQ(d.offset(), 0u);
  ConstByteSpan b;
  ASSERT_EQ(d.read_bstr(b), Error::kOk);
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(b[0], 0x0e);
  ASSERT_EQ(d.peek(m), Error::kOk);
  EXPECT_EQ(m, Major::kUint);
  uint64_t v = 0;
  ASSERT_EQ(d.read_uint(v), Error::kOk);
  EXPECT_TRUE(d.at_end());
  EXPECT_EQ(d.peek(m), Error::kMalformed);  // nothing left
  EXPECT_EQ(d.status(), Error::kMalformed);
}

TEST(CborTyped, RestAndOffsetFollowReads) {
  const Bytes in = hex("82 01 43 aa bb cc f5");
  Decoder d(span(in));
  size_t n = 0;
  ASSERT_EQ(d.read_array(n), Error::kOk);
  EXPECT_EQ(n, 2u);
  int64_t i = 0;
  ASSERT_EQ(d.read_int(i), Error::kOk);
  EXPECT_EQ(d.offset(), 2u);
  ConstByteSpan b;
  ASSERT_EQ(d.read_bstr(b), Error::kOk);
  EXPECT_EQ(to_hex(b), "aabbcc");
  EXPECT_EQ(to_hex(d.rest()), "f5");
  bool t = false;
  ASSERT_EQ(d.read_bool(t), Error::kOk);
  EXPECT_TRUE(t);
  EXPECT_TRUE(d.at_end());
}

// --- read_item details ----------------------------------------------------------

TEST(CborItem, DepthLimitIsExactlyKMaxDepth) {
  Bytes ok(kMaxDepth, 0x81);
  ok.push_back(0x00);
  Decoder d(span(ok));
  ConstByteSpan raw;
  EXPECT_EQ(d.read_item(raw), Error::kOk);
  EXPECT_EQ(raw.size(), ok.size());

  Bytes deep(kMaxDepth + 1, 0x81);
  deep.push_back(0x00);
  Decoder d2(span(deep));
  EXPECT_EQ(d2.read_item(raw), Error::kMalformed);
}

TEST(CborItem, SortedMapKeysAccepted) {
  // Bytewise order of encodings: 0x18 0x18 (24) sorts before 0x20 (-1), and
  // ints before bstr before tstr.
  const Bytes in = hex("a5 00 f4 18 18 f5 20 f6 41 00 60 61 61 80");
  Decoder d(span(in));
  ConstByteSpan raw;
  EXPECT_EQ(d.read_item(raw), Error::kOk);
  EXPECT_TRUE(d.at_end());
}

TEST(CborItem, SequenceOfItems) {
  // RFC 9529 trace 1 message_1: METHOD, SUITES_I, G_X, C_I as a CBOR sequence.
  const Bytes msg =
      hex("03 02 58 20 74 1a 13 d7 ba 04 8f bb 61 5e 94 38 6a a3 b6 1b ea 5b 3d"
          "8f 65 f3 26 20 b7 49 be e8 d2 78 ef a9 0e");
  Decoder d(span(msg));
  ConstByteSpan raw;
  const size_t sizes[] = {1, 1, 34, 1};
  for (size_t s : sizes) {
    ASSERT_EQ(d.read_item(raw), Error::kOk);
    EXPECT_EQ(raw.size(), s);
  }
  EXPECT_TRUE(d.at_end());
}

// Every input of one or two bytes: whatever read_item accepts, the typed reads
// re-encode to the same bytes, and nothing reads out of bounds.
TEST(CborItem, ExhaustiveShortInputsAreCanonical) {
  size_t accepted = 0;
  for (unsigned len = 1; len <= 2; ++len) {
    for (unsigned x = 0; x < (1u << (8 * len)); ++x) {
      uint8_t in[2] = {static_cast<uint8_t>(len == 2 ? x >> 8 : x), static_cast<uint8_t>(x)};
      const ConstByteSpan input(in, len);
      Decoder d(input);
      ConstByteSpan raw;
      if (d.read_item(raw) != Error::kOk) continue;
      if (!d.at_end()) continue;
      ++accepted;
      Decoder d2(input);
      uint8_t buf[4];
      Encoder e(buf);
      ASSERT_EQ(copy_item(d2, e), Error::kOk) << to_hex(input);
      ASSERT_EQ(to_hex(e.encoded()), to_hex(input));
    }
  }
  EXPECT_GT(accepted, 0u);
}

// --- Encoder ------------------------------------------------------------------

TEST(CborEncoder, HeadSizeBoundaries) {
  const struct {
    uint64_t arg;
    size_t size;
  } rows[] = {{0, 1},      {23, 1},      {24, 2},          {0xFF, 2},         {0x100, 3},
              {0xFFFF, 3}, {0x10000, 5}, {0xFFFFFFFFu, 5}, {0x100000000u, 9}, {UINT64_MAX, 9}};
  for (const auto& r : rows) {
    EXPECT_EQ(head_size(r.arg), r.size) << r.arg;
    uint8_t buf[9];
    Encoder e(buf);
    e.put_uint(r.arg);
    ASSERT_EQ(e.status(), Error::kOk);
    EXPECT_EQ(e.size(), r.size);
    Decoder d(e.encoded());
    uint64_t v = 0;
    ASSERT_EQ(d.read_uint(v), Error::kOk);
    EXPECT_EQ(v, r.arg);
  }
}

TEST(CborEncoder, BstrHeadThenRawContent) {
  uint8_t buf[8];
  Encoder e(buf);
  const uint8_t content[] = {0xde, 0xad};
  e.put_bstr_head(sizeof content);
  e.put_raw(content);
  ASSERT_EQ(e.status(), Error::kOk);
  EXPECT_EQ(to_hex(e.encoded()), "42dead");
}

TEST(CborEncoder, ExactFitAndEmptyBuffer) {
  uint8_t buf[3];
  Encoder e(buf);
  e.put_uint(1000);
  EXPECT_EQ(e.status(), Error::kOk);
  EXPECT_EQ(e.size(), 3u);
  e.put_raw(ConstByteSpan());  // nothing to add fits even in a full buffer
  EXPECT_EQ(e.status(), Error::kOk);
  e.put_null();
  EXPECT_EQ(e.status(), Error::kBufferTooSmall);
  EXPECT_EQ(e.size(), 3u);

  Encoder none{ByteSpan()};
  none.put_bool(true);
  EXPECT_EQ(none.status(), Error::kBufferTooSmall);
  EXPECT_EQ(none.size(), 0u);
}

}  // namespace
}  // namespace hush::cbor
