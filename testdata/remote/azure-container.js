// Creates a blob container in Azurite with Azure's own SDK (the tests then upload with
// object_store). Usage: node azure-container.js BLOB_ENDPOINT CONTAINER
// BLOB_ENDPOINT is http://127.0.0.1:PORT/devstoreaccount1 (Azurite's development account).
const { BlobServiceClient, StorageSharedKeyCredential } = require("@azure/storage-blob");

const [endpoint, container] = process.argv.slice(2);
// Azurite's published development account and key.
const credential = new StorageSharedKeyCredential(
  "devstoreaccount1",
  "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
);
new BlobServiceClient(endpoint, credential)
  .getContainerClient(container)
  .create()
  .then(() => process.exit(0))
  .catch((e) => {
    console.error(`cannot create container ${container} at ${endpoint}: ${e.message}`);
    process.exit(1);
  });
