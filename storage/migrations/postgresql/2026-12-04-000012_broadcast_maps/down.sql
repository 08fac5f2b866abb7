DROP TABLE broadcast_maps;
