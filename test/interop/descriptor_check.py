"""Strict descriptor check of what the server's reflection returns (as grpcurl and ghz would use it).

Reads serialized FileDescriptorProtos (one file path per argument), adds them to a fresh descriptor pool
(upb validates names, map entries and dependencies as protoc-based tools do), then resolves the service
and builds message classes. Prints "ok <n methods>" or raises.
"""
import sys

from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

files = []
for path in sys.argv[1:]:
    with open(path, "rb") as f:
        fd = descriptor_pb2.FileDescriptorProto()
        fd.ParseFromString(f.read())
        files.append(fd)

pool = descriptor_pool.DescriptorPool()
added = set()
while len(added) < len(files):
    progress = False
    for fd in files:
        if fd.name in added or any(dep not in added for dep in fd.dependency):
            continue
        pool.Add(fd)
        added.add(fd.name)
        progress = True
    if not progress:
        missing = {d for fd in files for d in fd.dependency if d not in {f.name for f in files}}
        raise SystemExit(f"unresolvable dependencies: {sorted(missing)}")

service = pool.FindServiceByName("recommender.v1.Recommender")
for method in service.methods:
    message_factory.GetMessageClass(method.input_type)
    message_factory.GetMessageClass(method.output_type)
hp = message_factory.GetMessageClass(pool.FindMessageTypeByName("recommender.v1.Hyperparameters"))()
hp.type_weights["click"] = 0.5
print(f"ok {len(service.methods)}")
