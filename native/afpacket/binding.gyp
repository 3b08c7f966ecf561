{
  "targets": [
    {
      "target_name": "afpacket",
      "sources": ["src/afpacket.c"],
      "cflags": ["-Wall", "-Wextra", "-O2"],
      "defines": ["NAPI_VERSION=8"]
    }
  ]
}
