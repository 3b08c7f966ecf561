{
  "targets": [
    {
      "target_name": "tcpmd5",
      "sources": ["src/tcpmd5.c", "src/ttl_udp.c"],
      "cflags": ["-Wall", "-Wextra", "-O2"],
      "defines": ["NAPI_VERSION=8"]
    }
  ]
}
