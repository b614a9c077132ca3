#include "env_data.h"

#include <array>

#include "fit_worker.h"

namespace gaussmix::binding {
namespace {

constexpr int kCount = static_cast<int>(Key::Count);

constexpr std::array<const char*, kCount> kNames = {
#define GAUSSMIX_KEY_NAME(name) #name,
    GAUSSMIX_KEYS(GAUSSMIX_KEY_NAME)
#undef GAUSSMIX_KEY_NAME
};

// A failed property access: the pending JavaScript exception (a getter threw), as a C++ one.
void check(Napi::Env env, napi_status status) {
  if (status != napi_ok) throw Napi::Error::New(env);
}

napi_value name(Napi::Env env, Key key) {
  napi_value names;
  napi_value value;
  check(env, napi_get_reference_value(env, envData(env).names, &names));
  check(env, napi_get_element(env, names, static_cast<uint32_t>(key), &value));
  return value;
}

}  // namespace

EnvData& envData(Napi::Env env) { return *env.GetInstanceData<EnvData>(); }

const char* keyName(Key key) { return kNames[static_cast<size_t>(key)]; }

void createEnvData(Napi::Env env) {
  // The keys of an object's own properties come back internalized (V8 stores property names
  // that way): set each name once on a scratch object, then read the names back.
  Napi::HandleScope scope(env);
  Napi::Object scratch = Napi::Object::New(env);
  for (const char* name : kNames) scratch.Set(name, env.Null());
  Napi::Array names = scratch.GetPropertyNames();
  if (names.Length() != static_cast<uint32_t>(kCount)) {
    throw Napi::Error::New(env, "gaussmix: cannot create its property names");
  }
  auto* data = new EnvData();
  data->names = Napi::Persistent(names.As<Napi::Object>());
  env.SetInstanceData<EnvData>(data);
}

Napi::Value get(const Napi::Object& object, Key key) {
  const Napi::Env env = object.Env();
  napi_value value;
  check(env, napi_get_property(env, object, name(env, key), &value));
  return Napi::Value(env, value);
}

void set(const Napi::Object& object, Key key, napi_value value) {
  const Napi::Env env = object.Env();
  check(env, napi_set_property(env, object, name(env, key), value));
}

}  // namespace gaussmix::binding
