{
  # node-gyp's build: what installs from source and the win32 prebuild use on Windows (node-gyp
  # finds Visual Studio). On Linux, macOS and the BSDs scripts/build-native.js builds instead
  # (it needs no Python or make); CMakeLists.txt is the developer build. All three take their
  # sources from native/sources.json and Eigen from scripts/eigen.js, and use the same flags:
  # keep them in step.
  #
  # SIMD: what ships must run on every CPU of its architecture, so there is no -march=native
  # here by default. x86-64 builds target the x86-64 baseline (SSE2, which Eigen vectorises
  # doubles with); arm64 has NEON as its baseline. For a developer build tuned to this machine
  # (AVX2/FMA/AVX-512 through Eigen), set GAUSSMIX_NATIVE=1 in the environment of the build
  # (npm run build:native, npm run build:cmake, npm install); never publish such a build.
  # Expect last-bit differences from the baseline build.
  # Shipped fast paths: on x86-64 Linux the core and binding are compiled twice more, with
  # AVX2+FMA into the static library gaussmix_v3 and with AVX-512 (F, CD, BW, DQ, VL: the
  # x86-64-v4 level) into gaussmix_v4, with the namespaces renamed (gaussmix -> gaussmix_v3 /
  # gaussmix_v4, Eigen -> EigenV3 / EigenV4) so the copies share no symbol;
  # native/binding/module.cc picks one at load time with __builtin_cpu_supports. One portable
  # binary; results can differ in the last bits between the variants (never between thread
  # counts).
  #
  # -ffp-contract=off: no fused multiply-add contraction of scalar expressions, so a formula
  # is computed as written, and baseline, native and arm64 builds round alike where Eigen's own
  # kernels are not involved. Never -ffast-math (it breaks the log-space E-step's infinities
  # and NaN checks, and reassociates sums that the determinism design orders on purpose).
  "variables": {
    "gaussmix_native%": "<!(node -p \"process.env.GAUSSMIX_NATIVE === '1' ? 1 : 0\")",
    "gaussmix_v3%": "<!(node -p \"process.platform === 'linux' && process.arch === 'x64' && process.env.GAUSSMIX_NATIVE !== '1' && process.env.GAUSSMIX_SIMD !== 'baseline' ? 1 : 0\")",
    "gaussmix_v4%": "<!(node -p \"process.platform === 'linux' && process.arch === 'x64' && process.env.GAUSSMIX_NATIVE !== '1' && process.env.GAUSSMIX_SIMD !== 'baseline' && process.env.GAUSSMIX_SIMD !== 'avx2' ? 1 : 0\")"
  },
  "target_defaults": {
    "include_dirs": [
      "<!(node -p \"require('node-addon-api').include_dir\")",
      "<!(node scripts/eigen.js)",
      "native"
    ],
    "defines": [
      "NAPI_VERSION=8",
      "NAPI_CPP_EXCEPTIONS",
      "NODE_API_SWALLOW_UNTHROWABLE_EXCEPTIONS",
      "NODE_ADDON_API_DISABLE_DEPRECATED",
      "EIGEN_DONT_PARALLELIZE",
      "EIGEN_MPL2_ONLY"
    ],
    "cflags!": ["-fno-exceptions", "-O2"],
    "cflags_cc!": ["-fno-exceptions", "-fno-rtti", "-std=gnu++17", "-std=gnu++20", "-O2"],
    "cflags": ["-fvisibility=hidden", "-ffp-contract=off", "-fPIC"],
    "cflags_cc": [
      "-std=c++17",
      "-fexceptions",
      "-frtti",
      "-fvisibility=hidden",
      "-fvisibility-inlines-hidden",
      "-ffp-contract=off",
      "-Wall",
      "-Wextra",
      "-Wno-unused-parameter"
    ],
    "configurations": {
      "Release": {
        "defines": ["NDEBUG"],
        "cflags": ["-O3"],
        "cflags_cc": ["-O3"]
      }
    },
    "xcode_settings": {
      "CLANG_CXX_LANGUAGE_STANDARD": "c++17",
      "CLANG_CXX_LIBRARY": "libc++",
      "GCC_ENABLE_CPP_EXCEPTIONS": "YES",
      "GCC_ENABLE_CPP_RTTI": "YES",
      "GCC_SYMBOLS_PRIVATE_EXTERN": "YES",
      "GCC_INLINES_ARE_PRIVATE_EXTERN": "YES",
      "GCC_OPTIMIZATION_LEVEL": "3",
      "MACOSX_DEPLOYMENT_TARGET": "10.15",
      "OTHER_CPLUSPLUSFLAGS": ["-ffp-contract=off"]
    },
    "msvs_settings": {
      "VCCLCompilerTool": {
        "ExceptionHandling": 1,
        "RuntimeTypeInfo": "true",
        "Optimization": 2,
        "LanguageStandard": "stdcpp17",
        "AdditionalOptions": ["/O2", "/std:c++17", "/bigobj", "/fp:precise", "/utf-8"]
      }
    },
    "conditions": [
      ["OS=='win'", {
        "defines": ["_HAS_EXCEPTIONS=1", "NOMINMAX", "_USE_MATH_DEFINES"]
      }],
      ["gaussmix_native==1 and OS!='win'", {
        "cflags_cc": ["-march=native"],
        "xcode_settings": { "OTHER_CPLUSPLUSFLAGS": ["-march=native"] }
      }],
      ["gaussmix_native==1 and OS=='win'", {
        "msvs_settings": { "VCCLCompilerTool": { "AdditionalOptions": ["/arch:AVX2"] } }
      }]
    ]
  },
  "targets": [
    {
      "target_name": "gaussmix",
      "sources": [
        "<!@(node -p \"const s = require('./native/sources.json'); s.module.concat(s.core, s.binding).join(' ')\")"
      ],
      "conditions": [
        ["gaussmix_v3==1", {
          "defines": ["GAUSSMIX_HAVE_V3"],
          "dependencies": ["gaussmix_v3"]
        }],
        ["gaussmix_v4==1", {
          "defines": ["GAUSSMIX_HAVE_V4"],
          "dependencies": ["gaussmix_v4"]
        }]
      ]
    }
  ],
  "conditions": [
    ["gaussmix_v3==1", {
      "targets": [
        {
          # The same core and binding for x86-64 CPUs with AVX2 and FMA, in renamed namespaces.
          "target_name": "gaussmix_v3",
          "type": "static_library",
          "sources": [
            "<!@(node -p \"const s = require('./native/sources.json'); s.core.concat(s.binding).join(' ')\")"
          ],
          "defines": ["gaussmix=gaussmix_v3", "Eigen=EigenV3"],
          "cflags_cc": ["-mavx2", "-mfma"]
        }
      ]
    }],
    ["gaussmix_v4==1", {
      "targets": [
        {
          # The same for x86-64 CPUs with AVX-512 (F, CD, BW, DQ, VL) besides AVX2 and FMA.
          # (GCC 12 reports Eigen's AVX-512 reductions as using uninitialised values: a known false
          # positive of the _mm512_undefined_pd they use. The same sources are checked in the
          # other variants, which keep the warnings.)
          "target_name": "gaussmix_v4",
          "type": "static_library",
          "sources": [
            "<!@(node -p \"const s = require('./native/sources.json'); s.core.concat(s.binding).join(' ')\")"
          ],
          "defines": ["gaussmix=gaussmix_v4", "Eigen=EigenV4"],
          "cflags_cc": ["-mavx512f", "-mavx512cd", "-mavx512bw", "-mavx512dq", "-mavx512vl", "-mavx2", "-mfma",
                        "-Wno-maybe-uninitialized", "-Wno-uninitialized"]
        }
      ]
    }]
  ]
}
