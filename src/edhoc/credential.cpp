// SPDX-License-Identifier: Apache-2.0
#include "hush/credential.h"

#include "hush/cbor.h"
#include "hush/wire.h"

namespace hush::credential {

Error serial_subject(ConstByteSpan serial, uint8_t (&out)[kMaxSubjectLen], size_t& out_len) noexcept {
  if (serial.size() > kMaxSerialLen) return Error::kInvalidArgument;
  static constexpr char kHex[] = "0123456789abcdef";
  for (size_t i = 0; i < serial.size(); ++i) {
    out[2 * i] = static_cast<uint8_t>(kHex[serial[i] >> 4]);
    out[2 * i + 1] = static_cast<uint8_t>(kHex[serial[i] & 0xF]);
  }
  out_len = 2 * serial.size();
  return Error::kOk;
}

Error build_ccs(ConstByteSpan subject, ConstByteSpan kid, crypto::KeyType type, ConstByteSpan public_key, ByteSpan out,
                size_t& out_len) noexcept {
  if (subject.size() > kMaxSubjectLen || kid.size() > kMaxKidLen) return Error::kInvalidArgument;
  const bool ec2 = type == crypto::KeyType::kP256;
  if (public_key.size() != (ec2 ? 2 * crypto::kCoordLen : crypto::kCoordLen)) return Error::kInvalidArgument;
  int64_t crv = wire::kCoseCrvP256;
  if (type == crypto::KeyType::kX25519) crv = wire::kCoseCrvX25519;
  if (type == crypto::KeyType::kEd25519) crv = wire::kCoseCrvEd25519;

  // Keys in deterministic order: 1, 2, -1, -2, -3 (encodings 01 02 20 21 22).
  cbor::Encoder enc(out);
  enc.put_map(2);
  enc.put_int(wire::kCwtSub);
  enc.put_tstr(subject);
  enc.put_int(wire::kCwtCnf);
  enc.put_map(1);
  enc.put_int(wire::kCnfCoseKey);
  enc.put_map(ec2 ? 5 : 4);
  enc.put_int(wire::kCoseKeyKty);
  enc.put_int(ec2 ? wire::kCoseKtyEc2 : wire::kCoseKtyOkp);
  enc.put_int(wire::kCoseKeyKid);
  enc.put_bstr(kid);
  enc.put_int(wire::kCoseKeyCrv);
  enc.put_int(crv);
  enc.put_int(wire::kCoseKeyX);
  enc.put_bstr(public_key.first(crypto::kCoordLen));
  if (ec2) {
    enc.put_int(wire::kCoseKeyY);
    enc.put_bstr(public_key.subspan(crypto::kCoordLen));
  }
  HUSH_TRY(enc.status());
  out_len = enc.size();
  return Error::kOk;
}

Error build_id_cred_kid(ConstByteSpan kid, ByteSpan out, size_t& out_len) noexcept {
  if (kid.size() > kMaxKidLen) return Error::kInvalidArgument;
  cbor::Encoder enc(out);
  enc.put_map(1);
  enc.put_int(wire::kCoseHeaderKid);
  enc.put_bstr(kid);
  HUSH_TRY(enc.status());
  out_len = enc.size();
  return Error::kOk;
}

}  // namespace hush::credential
